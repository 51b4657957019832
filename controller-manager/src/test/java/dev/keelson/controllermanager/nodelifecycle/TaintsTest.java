package dev.keelson.controllermanager.nodelifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TaintsTest {
    private static final Taint UNREACHABLE = new TaintBuilder().withKey(Taints.UNREACHABLE).withEffect("NoExecute").build();

    private static Pod pod(Toleration... tolerations) {
        return new PodBuilder().withNewSpec().withTolerations(tolerations).endSpec().build();
    }

    @Test
    void podWithoutTolerationIsEvictedAtOnce() {
        assertEquals(Optional.of(Duration.ZERO), Taints.tolerationTime(pod(), List.of(UNREACHABLE)));
    }

    @Test
    void tolerationSecondsBoundTheStay() {
        Toleration t = new TolerationBuilder().withKey(Taints.UNREACHABLE).withOperator("Exists").withEffect("NoExecute")
                .withTolerationSeconds(300L).build();
        assertEquals(Optional.of(Duration.ofSeconds(300)), Taints.tolerationTime(pod(t), List.of(UNREACHABLE)));
    }

    @Test
    void tolerationWithoutSecondsOrWildcardMeansForever() {
        Toleration wildcard = new TolerationBuilder().withOperator("Exists").build();
        assertEquals(Optional.empty(), Taints.tolerationTime(pod(wildcard), List.of(UNREACHABLE)));
        Toleration otherEffect = new TolerationBuilder().withKey(Taints.UNREACHABLE).withOperator("Exists")
                .withEffect("NoSchedule").build();
        assertEquals(Optional.of(Duration.ZERO), Taints.tolerationTime(pod(otherEffect), List.of(UNREACHABLE)));
    }
}
