"""The IONOS Cloud Container Registry API: typed models, errors and an async client."""
