"""HTTP routers of the API functions, one module per area; functions/*/app.py include them."""
