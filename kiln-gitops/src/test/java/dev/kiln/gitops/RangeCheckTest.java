package dev.kiln.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RangeCheckTest {
  static RangeCheck.Checked signed(String sha) {
    return new RangeCheck.Checked(sha, "a", new SignatureVerdict.Signed("a@x", "SHA256:k"));
  }

  @Test
  void everyCommitSigned_passes() {
    assertThat(RangeCheck.decide(List.of(signed("1"), signed("2")))).isEmpty();
  }

  @Test
  void theFirstOffendingCommit_oldestFirst_isNamed() {
    var r =
        RangeCheck.decide(
            List.of(
                signed("1"),
                new RangeCheck.Checked("2", "eve", new SignatureVerdict.Bad("signed by SHA256:e")),
                new RangeCheck.Checked("3", "eve", new SignatureVerdict.Unsigned()),
                signed("4")));
    assertThat(r).isPresent();
    assertThat(r.get().commit()).isEqualTo("2");
    assertThat(r.get().reason()).isEqualTo(RangeCheck.Reason.BAD_SIGNATURE);
    assertThat(r.get().reason().key).isEqualTo("bad-signature");
    assertThat(r.get().error()).contains("2", "eve", "SHA256:e");
  }
}
