"""Thin routers, one per resource: read the request, call a service, shape the answer."""
