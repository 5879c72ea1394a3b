"""The inventory domain: entities, value objects, errors and events, in plain Python.

Nothing here imports a framework or an outer layer; every rule about what an item, a stock
movement or a user may be lives here, so every adapter enforces the same rules.
"""
