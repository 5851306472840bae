"""Google Calendar toolkit: definitions in YAML, friendly-argument handlers in `handlers`."""
