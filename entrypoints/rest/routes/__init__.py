"""One router per resource; each route translates HTTP to one use case and back."""
