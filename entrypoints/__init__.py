"""Inbound adapters (REST, CLI) and the composition root that wires everything together."""
