# National benchmark sets arrive in a later step; the app is installed now so its
# migrations start from the same history as the rest of the project.
