package dev.kiln.server;

/**
 * What a handler hands back to the listeners: a whole response ({@link ApiResponse}), or a stream
 * they keep open and write to as events happen ({@link ApiStream}).
 */
sealed interface ApiReply permits ApiResponse, ApiStream {}
