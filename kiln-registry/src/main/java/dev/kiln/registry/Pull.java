package dev.kiln.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.image.BlobSink;
import dev.kiln.image.Descriptor;
import dev.kiln.image.ImageManifest;
import dev.kiln.image.ImageSigner;
import dev.kiln.image.ImageStore;
import dev.kiln.image.MediaTypes;
import dev.kiln.image.Verification;
import dev.kiln.model.Digest;
import java.io.IOException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Pulls an image into the store and tags it only once everything checks: the manifest hashes to the
 * digest asked for, every blob hashes to its descriptor, and the signature (a referrer) verifies
 * against the trusted key. Until then nothing is tagged; blobs already written are
 * content-addressed and inert.
 */
public final class Pull {
  private static final ObjectMapper JSON = new ObjectMapper();

  public record Result(
      RegistryRef source,
      Digest digest,
      String name,
      int blobsFetched,
      int referrers,
      Verification verification) {}

  private Pull() {}

  public static Result pull(
      ImageStore store,
      RegistryRef source,
      String name,
      PublicKey trusted,
      RegistryOptions options) {
    RegistryClient client = new RegistryClient(source, options, false);
    RegistryClient.Fetched fetched =
        client
            .getManifest(source.reference())
            .orElseThrow(
                () -> new RegistryException(client.where() + ": no image " + source.reference()));
    if (source.digest().isPresent() && !source.digest().get().equals(fetched.digest())) {
      throw new RegistryException(
          client.where()
              + ": manifest "
              + source.reference()
              + " hashes to "
              + fetched.digest()
              + " — refused");
    }
    if (fetched.mediaType().equals(MediaTypes.INDEX)) {
      throw new RegistryException(
          source
              + " is an image index (several platforms); pull one platform's manifest by digest");
    }
    ImageManifest manifest =
        ImageManifest.parse(
            fetched.content(), "manifest " + fetched.digest() + " from " + client.where());
    int fetchedBlobs = fetchBlobs(store, client, manifest);
    Descriptor stored = store.put(manifestType(fetched), fetched.content());

    int referrers = 0;
    for (Descriptor r : referrerDescriptors(client, fetched.digest())) {
      RegistryClient.Fetched art =
          client
              .getManifest(r.digest().toString())
              .orElseThrow(
                  () ->
                      new RegistryException(
                          client.where() + ": referrer " + r.digest() + " is listed but missing"));
      if (!art.digest().equals(r.digest())) {
        throw new RegistryException(
            client.where()
                + ": referrer "
                + r.digest()
                + " hashes to "
                + art.digest()
                + " — refused");
      }
      ImageManifest am = ImageManifest.parse(art.content(), "referrer " + r.digest());
      if (am.subject().map(s -> !s.digest().equals(fetched.digest())).orElse(true)) continue;
      fetchedBlobs += fetchBlobs(store, client, am);
      Descriptor d =
          store
              .put(MediaTypes.MANIFEST, art.content())
              .withArtifactType(am.artifactType().or(r::artifactType));
      if (d.artifactType().isPresent()) {
        store.addReferrer(d);
        referrers++;
      }
    }
    Verification v = ImageSigner.verify(store, fetched.digest(), trusted);
    if (!v.valid()) {
      throw new RegistryException(
          source + " (" + fetched.digest() + ") was not tagged: " + v.reason());
    }
    store.tag(name, stored);
    return new Result(
        source.withDigest(fetched.digest()), fetched.digest(), name, fetchedBlobs, referrers, v);
  }

  /** The local name an image pulled without {@code --as} gets: the repository's last component. */
  public static String defaultName(RegistryRef ref) {
    String repo = ref.repository();
    return repo.substring(repo.lastIndexOf('/') + 1);
  }

  private static String manifestType(RegistryClient.Fetched f) {
    return f.mediaType().equals(MediaTypes.DOCKER_MANIFEST)
        ? MediaTypes.DOCKER_MANIFEST
        : MediaTypes.MANIFEST;
  }

  private static List<Descriptor> referrerDescriptors(RegistryClient client, Digest subject) {
    Optional<JsonNode> index = client.referrers(subject);
    if (index.isEmpty()) {
      index =
          client
              .getManifest(Push.fallbackTag(subject))
              .map(
                  f -> {
                    try {
                      return JSON.readTree(f.content());
                    } catch (IOException e) {
                      throw new RegistryException(
                          client.where() + ": referrers index of " + subject + " is not JSON");
                    }
                  });
    }
    List<Descriptor> out = new ArrayList<>();
    index.ifPresent(
        i ->
            i.path("manifests")
                .forEach(m -> out.add(Descriptor.fromJson(m, "referrers of " + subject))));
    return out;
  }

  private static int fetchBlobs(ImageStore store, RegistryClient client, ImageManifest m) {
    List<Descriptor> blobs = new ArrayList<>(m.layers());
    blobs.add(0, m.config());
    int n = 0;
    for (Descriptor b : blobs) {
      if (store.has(b.digest())) continue;
      try (BlobSink sink = store.newBlob()) {
        client.getBlob(b.digest(), sink);
        Descriptor got = sink.commit(b.mediaType());
        if (!got.digest().equals(b.digest())) {
          throw new RegistryException(
              client.where()
                  + ": blob "
                  + b.digest()
                  + " arrived as "
                  + got.digest()
                  + " — refused");
        }
        n++;
      } catch (IOException e) {
        throw new RegistryException(
            client.where() + ": blob " + b.digest() + ": " + e.getMessage(), e);
      }
    }
    return n;
  }
}
