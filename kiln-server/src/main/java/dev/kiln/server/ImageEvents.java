package dev.kiln.server;

import dev.kiln.model.Digest;
import java.util.List;
import java.util.Optional;

/**
 * The {@link JournalEvent} kinds of images: baked, signatures verified or refused, patched,
 * admitted against advisories. This interface only groups their records in a file of their own:
 * {@link JournalEvent} extends it so that each stays named {@code JournalEvent.Xxx}, and its {@code
 * permits} list is the family.
 */
interface ImageEvents {
  /** {@code kiln apply} baked an image the blueprint uses that was not in the store. */
  record ImageBaked(String image, Digest digest, String blueprint) implements JournalEvent {
    public String kind() {
      return "image-baked";
    }

    public String subject() {
      return image;
    }
  }

  /** An image's signature verified with the host key before it was deployed. */
  record ImageVerified(String image, Digest digest, String reason, Optional<String> keyId)
      implements JournalEvent {
    public String kind() {
      return "image-verified";
    }

    public String subject() {
      return image;
    }
  }

  /**
   * An image was refused: at apply time (its blueprint name known) or when an instance was about to
   * start from it (only its digest known; the subject is then {@code image}).
   */
  record ImageRefused(Optional<String> image, Digest digest, String reason, Optional<String> keyId)
      implements JournalEvent {
    public String kind() {
      return "image-refused";
    }

    public String subject() {
      return image.orElse("image");
    }
  }

  /**
   * {@code kiln patch} rebaked a service's image for advisories and is about to roll the new one
   * out (the {@code blueprint-applied} and {@code rollout-started} that follow carry it): the
   * advisories it fixes, the image before and after, and the feed (its digest) the re-scan was
   * clean against.
   */
  record PatchStarted(
      String service, String image, Digest from, Digest to, List<String> advisories, Digest feed)
      implements JournalEvent {
    public PatchStarted {
      advisories = List.copyOf(advisories);
    }

    public String kind() {
      return "patch-started";
    }

    public String subject() {
      return service;
    }
  }

  /**
   * Admission refused an image at apply: the blueprint's {@code policy: { deny-severity }} and the
   * server's advisory feed found these advisories at or above it, with no unexpired exception.
   */
  record AdmissionRefused(
      String image, Digest digest, String denySeverity, List<String> advisories, Digest feed)
      implements JournalEvent {
    public AdmissionRefused {
      advisories = List.copyOf(advisories);
    }

    public String kind() {
      return "admission-refused";
    }

    public String subject() {
      return image;
    }
  }

  /** Admission let an image through only because of exceptions: the advisories they covered. */
  record AdmissionExcepted(String image, Digest digest, List<String> advisories)
      implements JournalEvent {
    public AdmissionExcepted {
      advisories = List.copyOf(advisories);
    }

    public String kind() {
      return "admission-excepted";
    }

    public String subject() {
      return image;
    }
  }

  /**
   * {@code kiln policy allow}: images carrying {@code advisory} pass admission until {@code until};
   * a later exception for the same advisory replaces it.
   */
  record PolicyException(String advisory, java.time.Instant until, String reason)
      implements JournalEvent {
    public String kind() {
      return "policy-exception";
    }

    public String subject() {
      return advisory;
    }
  }
}
