"""The operations dashboard: server-rendered pages for the people who work the backlog,
served by the API's process under ``/`` beside the API under ``/api/v1``."""
