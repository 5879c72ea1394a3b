"""The command-line adapter: ``inventory …`` runs the same use cases as the REST API, straight
from the container, with no web server in between."""
