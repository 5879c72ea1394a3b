"""The web page: one HTML document at ``/`` and its ES modules and stylesheet, served from this
package with no build step (``static/``).

The page is a client of the public REST API and the event stream only, like any other; it
holds no privileges of its own. See ``assets`` for how the files are served and ``page`` for
the document and its Content-Security-Policy.
"""

from entrypoints.web.assets import ASSETS, router
from entrypoints.web.page import page_response, wants_page

__all__ = ["ASSETS", "page_response", "router", "wants_page"]
