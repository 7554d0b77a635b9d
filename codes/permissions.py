"""Who may upload CMS releases: staff holding the permission the admin asks for too."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class CanImportReleases(BasePermission):
    """Staff with `codes.add_releaseupload` upload; with `codes.view_releaseupload` they watch.

    A new release re-prices every user's logs, so being staff is not enough.
    """

    message = "Uploading CMS releases needs the permission to add release uploads."

    def has_permission(self, request, view) -> bool:
        user = request.user
        needed = "codes.view_releaseupload" if request.method in SAFE_METHODS else "codes.add_releaseupload"
        return bool(user and user.is_authenticated and user.is_staff and user.has_perm(needed))
