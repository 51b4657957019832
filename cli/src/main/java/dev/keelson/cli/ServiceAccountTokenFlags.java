package dev.keelson.cli;

import dev.keelson.apiserver.auth.ServiceAccountTokenOptions;
import dev.keelson.componentbase.cli.GoDuration;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** kube-apiserver's service-account token flags, shared by `keelson apiserver` and `keelson server`. */
final class ServiceAccountTokenFlags {
    @Option(names = "--service-account-issuer", description = "Issuer put in new service-account tokens (the first "
            + "given) and accepted in presented ones (all given); repeatable. Default: "
            + ServiceAccountTokenOptions.DEFAULT_ISSUER + ".")
    List<String> issuers = new ArrayList<>();

    @Option(names = "--api-audiences", split = ",", description = "Audiences a token must name one of; also the "
            + "audiences of a TokenRequest that names none. Default: the issuers.")
    List<String> apiAudiences = new ArrayList<>();

    @Option(names = "--service-account-signing-key-file", description = "PEM EC P-256 or RSA private key signing "
            + "service-account tokens. Default: <data-dir>/pki/sa.key, generated at the first start.")
    Path signingKeyFile;

    @Option(names = "--service-account-max-token-expiration", converter = GoDuration.class, description = "Longest "
            + "validity of a requested token (longer requests are shortened with a warning); 0 no maximum.")
    Duration maxTokenExpiration = Duration.ZERO;

    @Option(names = "--service-account-extend-token-expiration", defaultValue = "true", arity = "1",
            description = "Pod-bound tokens asked for with 3607 s live a year and carry warnafter. Default: ${DEFAULT-VALUE}.")
    boolean extendTokenExpiration;

    @Option(names = "--service-account-jwks-uri", description = "jwks_uri of /.well-known/openid-configuration. "
            + "Default: https://<advertise address>:<secure port>/openid/v1/jwks.")
    String jwksUri;

    ServiceAccountTokenOptions options() {
        return new ServiceAccountTokenOptions(issuers.isEmpty() ? List.of(ServiceAccountTokenOptions.DEFAULT_ISSUER)
                : issuers, apiAudiences, signingKeyFile, maxTokenExpiration.toSeconds(), extendTokenExpiration, jwksUri);
    }
}
