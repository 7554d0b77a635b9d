from rvuedge.errors import SourceFileError


class ReleaseFileError(SourceFileError):
    """A CMS release file we refuse to import, with the file, line and column at fault."""
