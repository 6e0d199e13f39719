"""A read-only Jupyter Server for the served dashboard (scripts/notebooks.sh serve).

The dashboard's Jupyter Server only hands out files: the page (its static shell) and the
numbers the serving process exports. This authorizer allows reading files and contents and
nothing else, so no viewer can start a kernel, open a terminal or write a file through it,
with or without a token.
"""

from jupyter_server.auth.authorizer import Authorizer


class ReadOnlyAuthorizer(Authorizer):
    """Allows `read` on files and contents; refuses every other action and resource."""

    def is_authorized(self, handler, user, action, resource):
        return action == "read" and resource in ("contents", "files")
