package dev.kiln.server;

import dev.kiln.controller.EventKind;
import java.util.List;

/**
 * Every kind of journal entry the server writes, one record per kind: {@link Recorder#append} is
 * the only writer, {@link EventCodec} the only JSON form, and {@link ServerState#apply} switches
 * over this sealed family without a {@code default}, so a kind that is not projected does not
 * compile. {@link #kind()} is the entry's kind as stored (hyphenated, stable forever: `kiln journal
 * --kind` and existing journals use these strings); {@link #subject()} the entry's subject.
 *
 * <p>The records live in one file per area ({@link InstanceEvents}, {@link RolloutEvents}, {@link
 * GitEvents}, ...). Those interfaces declare nothing but the records: this one extends them only so
 * that every record is still named {@code JournalEvent.Xxx} everywhere, and its {@code permits}
 * list below is the whole family.
 *
 * <p>Adding a kind: a record in the file of its area, listed in {@code permits}; its encode/decode
 * in the codec of its area dispatched from {@link EventCodec}, with a round-trip case in {@code
 * EventCodecTest}; and its arm in {@link ServerState#apply}.
 */
public sealed interface JournalEvent
    extends ImageEvents,
        BlueprintEvents,
        RolloutEvents,
        InstanceEvents,
        SnapshotEvents,
        EnvironmentEvents,
        CertificateEvents,
        GitEvents,
        NotifyEvents
    permits JournalEvent.ServerStarted,
        JournalEvent.Noted,
        ImageEvents.ImageBaked,
        ImageEvents.ImageVerified,
        ImageEvents.ImageRefused,
        ImageEvents.PatchStarted,
        ImageEvents.AdmissionRefused,
        ImageEvents.AdmissionExcepted,
        ImageEvents.PolicyException,
        BlueprintEvents.BlueprintApplied,
        RolloutEvents.RevisionCreated,
        RolloutEvents.RolloutStarted,
        RolloutEvents.RolloutState,
        RolloutEvents.RolloutIntent,
        RolloutEvents.TrafficSet,
        RolloutEvents.ServiceScaled,
        RolloutEvents.ServiceRemoved,
        RolloutEvents.RollbackRequested,
        InstanceEvents.InstanceStarting,
        InstanceEvents.InstanceStopping,
        InstanceEvents.InstanceAdopted,
        InstanceEvents.InstanceFailed,
        InstanceEvents.InstanceLimitExceeded,
        InstanceEvents.InstanceMoved,
        InstanceEvents.InstanceDrifted,
        SnapshotEvents.SnapshotCreated,
        SnapshotEvents.SnapshotDrill,
        SnapshotEvents.Restored,
        EnvironmentEvents.EnvironmentApplied,
        EnvironmentEvents.EnvPromoted,
        EnvironmentEvents.PromotionRefused,
        CertificateEvents.CertificateInstalled,
        CertificateEvents.CertificateRemoved,
        GitEvents.GitApplied,
        GitEvents.GitRefused,
        GitEvents.GitDrifted,
        NotifyEvents.NotifyConfigured,
        NotifyEvents.NotifyDelivered,
        NotifyEvents.NotifyFailed {
  String kind();

  String subject();

  /** The control plane came up, adopting the instances still running from before. */
  record ServerStarted(List<String> adopted, String api, String router, String hostKey)
      implements JournalEvent {
    public ServerStarted {
      adopted = List.copyOf(adopted);
    }

    public String kind() {
      return "server-started";
    }

    public String subject() {
      return "server";
    }
  }

  /**
   * A fact the planners report with a line of its own (the controller's {@code RecordEvent}): a
   * phase change, a canary step, a replacement. It changes no state.
   */
  record Noted(String service, EventKind note, String message) implements JournalEvent {
    public String kind() {
      return note.kind();
    }

    public String subject() {
      return service;
    }
  }
}
