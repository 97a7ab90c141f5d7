/**
 * The REST API's contract (issue 8): the request and response records that the server writes and
 * the CLI reads, one per JSON shape, so both sides agree by construction. Field names are the JSON
 * names and never change (old clients read them); a component marked {@link dev.kiln.api.Nullable}
 * is always sent and may be null; one with {@code @JsonInclude(NON_NULL)} is left out when absent.
 * {@code OpenApiContractTest} in kiln-server checks {@code openapi.yaml} against these records.
 * This module depends on Jackson's annotations only.
 */
package dev.kiln.api;
