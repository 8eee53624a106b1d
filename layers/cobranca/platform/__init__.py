"""Handler conventions shared by every function: settings, observability, HTTP, AWS, clock."""
