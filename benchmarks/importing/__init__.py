"""Reading benchmark sources: the CMS provider-and-service file (`puf`) and licensed tables (`licensed`)."""
