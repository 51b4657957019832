package dev.keelson.kubelet.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ProjectedVolumeSource;
import io.fabric8.kubernetes.api.model.ProjectedVolumeSourceBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kube-api-access volume as a container reads it: token, ca.crt and namespace through ..data symlinks, the token
 * bound to the pod and asked for again only after 80 % of its lifetime, replaced by one ..data swap.
 */
class ProjectedVolumesTest {
    @TempDir
    Path dir;
    final List<TokenRequest> asked = new ArrayList<>();
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));

    final Pod pod = new PodBuilder().withNewMetadata().withName("p").withNamespace("shop").withUid("uid-1")
            .endMetadata().withNewSpec().withServiceAccountName("robot").endSpec().build();

    static ProjectedVolumeSource apiAccess() {
        return new ProjectedVolumeSourceBuilder().withDefaultMode(420)
                .addNewSource().withNewServiceAccountToken().withExpirationSeconds(3607L).withPath("token").endServiceAccountToken().endSource()
                .addNewSource().withNewConfigMap().withName("kube-root-ca.crt").addNewItem().withKey("ca.crt").withPath("ca.crt").endItem().endConfigMap().endSource()
                .addNewSource().withNewDownwardAPI().addNewItem().withPath("namespace").withNewFieldRef().withApiVersion("v1").withFieldPath("metadata.namespace").endFieldRef().endItem().endDownwardAPI().endSource()
                .build();
    }

    ProjectedVolumes volumes() {
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        ServiceAccountTokens tokens = new ServiceAccountTokens((ns, sa, tr) -> {
            asked.add(tr);
            return new TokenRequestBuilder(tr).withNewStatus().withToken("token-" + asked.size() + "-for-" + ns + "/" + sa)
                    .withExpirationTimestamp(now.get().plusSeconds(tr.getSpec().getExpirationSeconds()).toString())
                    .endStatus().build();
        }, clock);
        return new ProjectedVolumes((ns, name) -> new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata()
                .addToData("ca.crt", "PEM").build(), (ns, name) -> null, tokens);
    }

    @Test
    void writesTokenCaAndNamespaceThroughDataSymlinksAndRefreshesTheTokenAfter80Percent() throws Exception {
        ProjectedVolumes volumes = volumes();
        Path vol = dir.resolve("kube-api-access-abcde");
        volumes.write(pod, "kube-api-access-abcde", apiAccess(), vol);
        assertEquals("token-1-for-shop/robot", Files.readString(vol.resolve("token")));
        assertEquals("PEM", Files.readString(vol.resolve("ca.crt")));
        assertEquals("shop", Files.readString(vol.resolve("namespace")));
        assertTrue(Files.isSymbolicLink(vol.resolve("token")));
        assertEquals(Path.of("..data/token"), Files.readSymbolicLink(vol.resolve("token")));
        assertTrue(Files.isSymbolicLink(vol.resolve("..data")));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(vol.resolve("token"))));
        TokenRequest first = asked.get(0);
        assertEquals("Pod", first.getSpec().getBoundObjectRef().getKind());
        assertEquals("uid-1", first.getSpec().getBoundObjectRef().getUid());
        assertEquals(3607L, first.getSpec().getExpirationSeconds());
        Path firstData = vol.resolve(Files.readSymbolicLink(vol.resolve("..data")));

        now.set(now.get().plusSeconds(2800)); // 77 %: kept, nothing rewritten
        volumes.write(pod, "kube-api-access-abcde", apiAccess(), vol);
        assertEquals(1, asked.size());
        assertEquals(firstData, vol.resolve(Files.readSymbolicLink(vol.resolve("..data"))));

        now.set(now.get().plusSeconds(100)); // past 80 %: a new token, swapped in whole, the old directory gone
        volumes.write(pod, "kube-api-access-abcde", apiAccess(), vol);
        assertEquals(2, asked.size());
        assertEquals("token-2-for-shop/robot", Files.readString(vol.resolve("token")));
        assertFalse(Files.exists(firstData));
        try (Stream<Path> entries = Files.list(vol)) {
            assertEquals(5, entries.count()); // ..data, one ..<time> directory, token, ca.crt, namespace
        }
    }

    @Test
    void aTokenOlderThanADayIsRenewedWhateverItsLifetime() {
        ServiceAccountTokens tokens = new ServiceAccountTokens((ns, sa, tr) -> null, Clock.fixed(
                Instant.parse("2026-01-03T00:00:01Z"), ZoneOffset.UTC));
        TokenRequest yearLong = new TokenRequestBuilder().withNewSpec().withExpirationSeconds(365L * 86400).endSpec()
                .withNewStatus().withExpirationTimestamp("2027-01-01T00:00:00Z").endStatus().build();
        assertTrue(tokens.requiresRefresh(yearLong));
    }
}
