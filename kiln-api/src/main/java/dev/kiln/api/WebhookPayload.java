package dev.kiln.api;

/**
 * The body of one webhook delivery ({@code notify:}, docs/notify.md): the journal entry it
 * announces. Not an answer of the API but a request Kiln sends to a receiver; it lives here so that
 * the server writes it with the codec of the API's bodies and a receiver written in Java can read
 * it with the same record. The receiver checks the signature over the raw bytes before parsing.
 *
 * @param seq the entry's sequence number, also sent as {@code X-Kiln-Delivery}: a receiver drops a
 *     repeated one (delivery is at least once)
 * @param time when the entry was written (ISO-8601, UTC)
 * @param kind the journal kind, also sent as {@code X-Kiln-Event}
 * @param hash the entry's chain hash ({@code sha256:…})
 * @param fields the event's fields, as {@code kiln journal -o json} shows them without the storage
 *     version; any JSON value (the text of a body written before bodies were JSON)
 */
public record WebhookPayload(
    long seq,
    String time,
    String kind,
    String subject,
    String actor,
    String cause,
    String hash,
    Object fields) {}
