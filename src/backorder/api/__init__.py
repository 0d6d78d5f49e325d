"""The REST API (FastAPI): thin routers over the services, one error table."""
