package dev.kiln.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A component that is always sent but may be JSON {@code null} (OpenAPI {@code nullable: true}).
 * NullAway honours any annotation named {@code Nullable}; the contract test reads it at run time. A
 * component that is left out when absent carries {@code @JsonInclude(NON_NULL)} as well.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({
  ElementType.RECORD_COMPONENT,
  ElementType.FIELD,
  ElementType.METHOD,
  ElementType.PARAMETER
})
public @interface Nullable {}
