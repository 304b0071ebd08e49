"""The HTTP plumbing around the routes: middleware, NUL refusal, body limits and admission, rate
limits, idempotency, unknown-parameter refusal, reference-data caching, the OpenAPI document and
its pages, health.

It may import `ehp_api.core`, never a domain or the registries at the top of the package."""
