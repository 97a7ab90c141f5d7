package dev.kiln.testkit;

import dev.kiln.model.Digest;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.ImageSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** An {@link ImageSource} over images built in memory by {@link TestImages}. */
public final class InMemoryImageSource implements ImageSource {
  private final Map<Digest, ImageContent> images = new ConcurrentHashMap<>();
  private final Map<Digest, String> refused = new ConcurrentHashMap<>();

  public InMemoryImageSource add(ImageContent image) {
    images.put(image.manifestDigest(), image);
    return this;
  }

  /** Makes {@link #open} fail for this digest as a store does when a signature does not verify. */
  public InMemoryImageSource refuse(Digest digest, String reason) {
    refused.put(digest, reason);
    return this;
  }

  @Override
  public ImageContent open(Digest manifestDigest) {
    String reason = refused.get(manifestDigest);
    if (reason != null) throw new IllegalStateException("image " + manifestDigest + ": " + reason);
    ImageContent image = images.get(manifestDigest);
    if (image == null) {
      throw new IllegalArgumentException("image " + manifestDigest + " is not in the store");
    }
    return image;
  }
}
