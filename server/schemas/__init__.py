"""Marshmallow schemas of the HTTP API (also the source of the OpenAPI document)."""
