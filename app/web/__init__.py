"""HTTP plumbing: auth and sessions, limits and security headers, uploads, responses, OpenAPI."""
