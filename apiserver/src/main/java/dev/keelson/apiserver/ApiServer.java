package dev.keelson.apiserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.apiextensions.CustomResourceDefinitionStrategy;
import dev.keelson.apiserver.apiextensions.CustomResourceDefinitions;
import dev.keelson.apiserver.apiextensions.CustomResourceStorage;
import dev.keelson.apiserver.admission.AdmissionChain;
import dev.keelson.apiserver.admission.AdmissionPlugins;
import dev.keelson.apiserver.admission.PluginContext;
import dev.keelson.apiserver.auth.Authenticator;
import dev.keelson.apiserver.auth.AuthorizerChain;
import dev.keelson.apiserver.auth.BootstrapAuthorizer;
import dev.keelson.apiserver.auth.BootstrapToken;
import dev.keelson.apiserver.auth.BootstrapTokenAuthenticator;
import dev.keelson.apiserver.auth.NodeAuthorizer;
import dev.keelson.apiserver.auth.NodeBootstrap;
import dev.keelson.apiserver.auth.rbac.BootstrapPolicy;
import dev.keelson.apiserver.auth.rbac.EscalationGuard;
import dev.keelson.apiserver.auth.rbac.PolicyReconciler;
import dev.keelson.apiserver.auth.rbac.RbacAuthorizer;
import dev.keelson.apiserver.auth.rbac.RbacIndex;
import dev.keelson.apiserver.auth.ServiceAccountKey;
import dev.keelson.apiserver.auth.ServiceAccountTokenAuthenticator;
import dev.keelson.apiserver.auth.ServiceAccountTokenOptions;
import dev.keelson.apiserver.auth.ServiceAccountTokens;
import dev.keelson.apiserver.auth.review.Reviews;
import dev.keelson.apiserver.http.ApiHandler;
import dev.keelson.apiserver.http.ConnectionGuard;
import dev.keelson.apiserver.http.Discovery;
import dev.keelson.apiserver.http.KubeletProxy;
import dev.keelson.apiserver.http.LoadSheddingLog;
import dev.keelson.apiserver.http.RequestGate;
import dev.keelson.apiserver.http.OidcDiscovery;
import dev.keelson.apiserver.http.OpenApiService;
import dev.keelson.apiserver.http.Subresources;
import dev.keelson.apiserver.http.TokenRequests;
import dev.keelson.apiserver.http.WatchHandler;
import dev.keelson.apiserver.patch.MergeType;
import dev.keelson.apiserver.patch.ServerSideApply;
import dev.keelson.apiserver.printers.TablePrinters;
import dev.keelson.apiserver.registry.GenericStore;
import dev.keelson.apiserver.registry.Options;
import dev.keelson.apiserver.registry.PodStrategy;
import dev.keelson.apiserver.registry.RbacStrategy;
import dev.keelson.apiserver.registry.ReviewStrategy;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.apiserver.registry.Resources;
import dev.keelson.apiserver.registry.ServiceStrategy;
import dev.keelson.apiserver.storage.EtcdCompactor;
import dev.keelson.apiserver.storage.EtcdHealth;
import dev.keelson.apiserver.storage.EtcdStorage;
import dev.keelson.apiserver.storage.WatchCache;
import dev.keelson.apiserver.storage.encryption.EncryptionConfiguration;
import dev.keelson.apiserver.storage.encryption.SecretsEncryption;
import dev.keelson.apiserver.http.SecretsEncryptEndpoints;
import dev.keelson.componentbase.tls.CertificateAuthority;
import dev.keelson.componentbase.tls.Kubeconfigs;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Keelson apiserver: the cluster's PKI, one watch cache and generic store per resource on etcd, and the
 * HTTPS endpoint kubectl and every component talk to.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    private final ApiServerOptions options;
    private final Vertx vertx;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private EtcdStorage etcd;
    private EtcdHealth etcdHealth;
    private EtcdCompactor compactor;
    private final List<WatchCache> caches = new ArrayList<>();
    private final RbacIndex rbac = new RbacIndex();
    private final Map<ResourceType, GenericStore> stores = new ConcurrentHashMap<>();
    private CustomResourceDefinitions customResources;
    private Resources resources;
    private String deployment;
    private volatile int port;
    private CertificateAuthority ca;
    private KubeletProxy kubelet;
    private dev.keelson.apiserver.metrics.MetricsScraper metricsScraper;
    /**
     * How often kubelets are scraped for metrics.k8s.io (metrics-server's --metric-resolution, 15 s); the system
     * property {@code keelson.metricResolutionSeconds} shortens it for tests.
     */
    private static Duration metricResolution() {
        return Duration.ofSeconds(Math.max(1, Long.getLong("keelson.metricResolutionSeconds", 15)));
    }
    private volatile boolean started;
    private RequestGate gate;
    private final SecurityOptions security;
    private SecretsEncryption encryption;
    private dev.keelson.apiserver.audit.AuditLog auditLog;
    private ServiceAccountTokenOptions serviceAccountTokens = ServiceAccountTokenOptions.DEFAULT;

    public ApiServer(Vertx vertx, ApiServerOptions options) {
        this(vertx, options, SecurityOptions.NONE);
    }

    public ApiServer(Vertx vertx, ApiServerOptions options, SecurityOptions security) {
        this.vertx = vertx;
        this.options = options;
        this.security = security;
    }

    /** Encryption at rest, when enabled (null otherwise). */
    public SecretsEncryption encryption() {
        return encryption;
    }

    /** The --service-account-* flags (before {@link #start}). */
    public ApiServer withServiceAccountTokens(ServiceAccountTokenOptions tokens) {
        this.serviceAccountTokens = tokens;
        return this;
    }

    public Path pkiDir() {
        return options.dataDir().resolve("pki");
    }

    /** The join token agents use: {@code K1<sha256 of the CA>::<secret>}. */
    public Path nodeTokenFile() {
        return options.dataDir().resolve("node-token");
    }

    public Path adminKubeconfig() {
        return options.dataDir().resolve("admin.kubeconfig");
    }

    public CertificateAuthority certificateAuthority() {
        return ca;
    }

    public int port() {
        return port;
    }

    public Resources resources() {
        return resources;
    }

    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    public void start() throws Exception {
        Files.createDirectories(options.dataDir());
        Path pki = pkiDir();
        ca = CertificateAuthority.loadOrCreate(pki.resolve("ca.crt"), pki.resolve("ca.key"));
        CertificateAuthority.Issued serving = servingCertificate(pki);
        CertificateAuthority.Issued admin = ca.issueClient("kubernetes-admin", List.of("system:masters"),
                Duration.ofDays(365));
        etcd = new EtcdStorage(options.etcdServers(), options.etcd(), metrics);
        // kube-apiserver's --etcd-healthcheck-timeout is 2 s
        etcdHealth = new EtcdHealth(etcd, Duration.ofSeconds(2), options.etcd().livenessThreshold());
        if (options.etcd().compactionInterval().compareTo(Duration.ZERO) > 0) {
            compactor = EtcdCompactor.start(etcd, options.etcd().compactionInterval());
        }
        ServiceStrategy services = new ServiceStrategy(etcd, options.serviceClusterIpRange(), options.nodePortMin(),
                options.nodePortMax());
        resources = Resources.builtIn(new PodStrategy(), services);
        ApiServerOptions.Access access = options.access();
        AdmissionChain admission = AdmissionPlugins.chain(access.enableAdmissionPlugins(),
                access.disableAdmissionPlugins(), new PluginContext(resources, stores,
                        options.notReadyTolerationSeconds(), options.unreachableTolerationSeconds()));
        LOG.info("authorization modes {}; admission plugins {}", access.authorizationModes(), admission.names());
        GenericStore.ManagedFieldsRecorder managed = (oldObj, newObj, manager, op, sub) ->
                ServerSideApply.recordUpdate(oldObj, newObj, manager, op, mergeTypeOf(newObj));
        ResourceType crds = new CustomResourceDefinitionStrategy().type();
        resources.register(crds);
        if (security.encryption().enabled()) {
            // before any cache lists: a key that cannot decrypt what is stored stops the start here
            encryption = SecretsEncryption.start(security.encryption(), etcd, storageFolders(resources));
        }
        List<CompletableFuture<Void>> ready = new ArrayList<>();
        for (ResourceType t : resources.all()) {
            if (t.strategy() instanceof ReviewStrategy) {
                continue;
            }
            WatchCache cache = new WatchCache(t.prefix(), etcd, Json.MAPPER, t.strategy()::fromStorage);
            caches.add(cache);
            ready.add(cache.start());
            stores.put(t, new GenericStore(t, etcd, cache, admission, managed));
        }
        CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        rbac.follow(cache("roles"), cache("clusterroles"), cache("rolebindings"), cache("clusterrolebindings"));
        // with RBAC, bootstrap tokens get what kubeadm's bindings grant; without it, the fixed BootstrapAuthorizer
        boolean rbacMode = access.authorizationModes().contains("RBAC");
        AuthorizerChain authorizer = AuthorizerChain.build(access.authorizationModes(), AuthorizerChain.builtInModes(
                () -> rbacMode ? new NodeAuthorizer(resources, stores)
                        : new BootstrapAuthorizer(new NodeAuthorizer(resources, stores)),
                () -> new RbacAuthorizer(rbac)));
        RbacStrategy.install(resources, new EscalationGuard(rbac, authorizer));
        Reviews.install(resources, new Reviews.Context(authorizer, rbac, access.authorizationModes()));

        String address = options.advertiseAddress() != null ? options.advertiseAddress() : defaultAdvertiseAddress();
        CertificateAuthority.Issued kubeletClient = ca.issueClient("kube-apiserver-kubelet-client",
                List.of("system:masters"), Duration.ofDays(365));
        kubelet = new KubeletProxy(vertx, resources, stores, kubeletClient.certificatePem(), kubeletClient.keyPem(),
                ca.certificatePem());
        OpenApiService openApi = new OpenApiService(resources);
        customResources = new CustomResourceDefinitions(resources, stores.get(crds),
                new CustomResourceStorage(etcd, stores, admission, managed));
        openApi.extend(customResources.openApi());
        customResources.start();
        WatchHandler watches = new WatchHandler(vertx, metrics, req -> obj -> {
            return TablePrinters.toTable(typeOf(obj).strategy().printer(), List.of(obj),
                    Json.str(obj.path("metadata"), "resourceVersion"), "Object".equals(req.getParam("includeObject")),
                    java.time.Instant.now());
        });
        ResourceType secrets = resources.find("", "v1", "secrets");
        BootstrapTokenAuthenticator bootstrapTokens = new BootstrapTokenAuthenticator(
                name -> stores.get(secrets).cache().get(secrets.key(BootstrapToken.NAMESPACE, name)), Clock.systemUTC());
        ServiceAccountTokens saTokens = new ServiceAccountTokens(ServiceAccountKey.load(
                serviceAccountTokens.signingKeyFile(), pki.resolve("sa.key")), serviceAccountTokens);
        ServiceAccountTokenAuthenticator saAuthenticator = new ServiceAccountTokenAuthenticator(saTokens,
                (plural, namespace, name) -> {
                    ResourceType t = resources.find("", "v1", plural);
                    return stores.get(t).cache().get(t.key(namespace, name));
                }, Clock.systemUTC());
        NodeBootstrap nodeBootstrap = NodeBootstrap.loadOrCreate(ca, nodeTokenFile());
        LoadSheddingLog shedLog = new LoadSheddingLog(10_000);
        gate = new RequestGate(vertx, options.limits(), shedLog);
        Discovery discovery = new Discovery(resources, address + ":" + options.securePort());
        ApiHandler handler = new ApiHandler(resources, stores, new Authenticator(options.tokenAuthFile(), bootstrapTokens,
                saAuthenticator),
                authorizer,
                nodeBootstrap,
                discovery, openApi, watches,
                new Subresources(stores, kubelet, admission,
                        new TokenRequests(resources, stores, admission, saTokens)), metrics, new ApiHandler.HealthChecks() {
                    @Override
                    public Future<String> etcdReadiness() {
                        return Future.fromCompletionStage(etcdHealth.readiness(), vertx.getOrCreateContext());
                    }

                    @Override
                    public String etcdLiveness() {
                        return etcdHealth.liveness();
                    }

                    @Override
                    public boolean started() {
                        return started;
                    }
                }, metrics::scrape, gate);
        startMetrics(handler, discovery, kubeletClient, ca.certificatePem());
        if (encryption != null) {
            SecretsEncryptEndpoints.register(handler, vertx, encryption);
        }
        // before the port opens, so an agent started with the server never meets a token that does not exist yet
        createNamespaces();
        PolicyReconciler.reconcile(BootstrapPolicy.load(), new PolicyReconciler.Stores(store("roles"),
                store("clusterroles"), store("rolebindings"), store("clusterrolebindings")));
        createDefaultToken(nodeBootstrap);
        HttpServerOptions http = new HttpServerOptions().setSsl(true)
                .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(serving.certificatePem()))
                        .setKeyValue(Buffer.buffer(serving.keyPem())))
                .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(ca.certificatePem())))
                .setClientAuth(ClientAuth.REQUEST)
                .setCompressionSupported(false)
                .setMaxHeaderSize(64 * 1024)
                .setWebSocketSubProtocols(KubeletProxy.STREAM_PROTOCOLS)
                .setIdleTimeout(0)
                .setSslHandshakeTimeout(options.limits().tlsHandshakeTimeout().toMillis())
                .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
        // Several server instances, each on its own event loop, share the port: Vert.x hands each new connection to
        // the next instance, so requests are served on several cores. A negative port is Vert.x's way of sharing
        // one random port between instances (0 would give each instance its own).
        int instances = options.httpServers() > 0 ? options.httpServers() : Runtime.getRuntime().availableProcessors();
        ConnectionGuard guard = new ConnectionGuard(options.limits(), shedLog);
        if (security.audit() != null) {
            auditLog = new dev.keelson.apiserver.audit.AuditLog(security.audit(), metrics);
            LOG.info("audit log {} ({} rules)", security.audit().logPath(), security.audit().policy().rules().size());
        }
        io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest> audited = new dev.keelson.apiserver.audit.RequestAudit(
                handler, security.audit() == null ? null : security.audit().policy(), auditLog, metrics);
        deployment = deployHttpServers(http, guard, audited, options.securePort() == 0 ? -1 : options.securePort(), instances);
        OidcDiscovery oidc = new OidcDiscovery(saTokens, address + ":" + port);
        handler.serveNonResource(OidcDiscovery.CONFIGURATION_PATH, (req, user) -> oidc.serve(req));
        handler.serveNonResource(OidcDiscovery.JWKS_PATH, (req, user) -> oidc.serve(req));
        String url = "https://127.0.0.1:" + port;
        Kubeconfigs.write(adminKubeconfig(), url, ca.certificatePem(), admin.certificatePem(), admin.keyPem(),
                "kubernetes-admin");
        bootstrap(services, address);
        started = true;
        LOG.info("apiserver serving on {} (etcd {}); admin kubeconfig {}", url, options.etcdServers(),
                adminKubeconfig());
    }

    /** metrics.k8s.io: a scraper of every kubelet's /metrics/resource and the API serving its last points. */
    private void startMetrics(ApiHandler handler, Discovery discovery, CertificateAuthority.Issued kubeletClient,
                              String caPem) {
        GenericStore nodes = stores.get(resources.find("", "v1", "nodes"));
        dev.keelson.apiserver.metrics.MetricsStore points = new dev.keelson.apiserver.metrics.MetricsStore();
        metricsScraper = new dev.keelson.apiserver.metrics.MetricsScraper(vertx, nodes, points,
                kubeletClient.certificatePem(), kubeletClient.keyPem(), caPem, metricResolution());
        handler.metricsApi(new dev.keelson.apiserver.metrics.MetricsApi(points, nodes,
                stores.get(resources.find("", "v1", "pods"))));
        discovery.addStaticGroup(dev.keelson.apiserver.metrics.MetricsApi.apiGroup(),
                dev.keelson.apiserver.metrics.MetricsApi.aggregatedItem());
        metricsScraper.start();
    }

    private String deployHttpServers(HttpServerOptions http, ConnectionGuard guard,
                                     io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest> handler, int listenPort,
                                     int instances)
            throws Exception {
        return vertx.deployVerticle(() -> new VerticleBase() {
            @Override
            public Future<?> start() {
                return vertx.createHttpServer(http).connectionHandler(guard).requestHandler(handler).listen(listenPort, options.bindAddress())
                        .onSuccess(s -> port = s.actualPort());
            }
        }, new DeploymentOptions().setInstances(instances)).await(30, TimeUnit.SECONDS);
    }

    /** Each built-in resource's etcd folder, for the encryption configuration's resource names. */
    private static Map<String, EncryptionConfiguration.GroupResource> storageFolders(Resources resources) {
        Map<String, EncryptionConfiguration.GroupResource> out = new java.util.HashMap<>();
        for (ResourceType t : resources.all()) {
            if (!t.storagePrefix().contains("/")) {
                out.putIfAbsent(t.storagePrefix(), new EncryptionConfiguration.GroupResource(t.group(), t.plural()));
            }
        }
        return out;
    }

    /** The host's first non-loopback IPv4 address (endpoints may not point at loopback). */
    static String defaultAdvertiseAddress() {
        for (String ip : CertificateAuthority.hostAddresses()) {
            if (!ip.startsWith("127.") && !ip.startsWith("172.17.")) {
                return ip;
            }
        }
        for (String ip : CertificateAuthority.hostAddresses()) {
            if (!ip.startsWith("127.")) {
                return ip;
            }
        }
        return "127.0.0.1";
    }

    private GenericStore store(String rbacResource) {
        return stores.get(resources.find("rbac.authorization.k8s.io", "v1", rbacResource));
    }

    private WatchCache cache(String rbacResource) {
        return store(rbacResource).cache();
    }

    /** The RBAC objects as the authorizer sees them. */
    public RbacIndex rbacIndex() {
        return rbac;
    }

    private ResourceType typeOf(ObjectNode obj) {
        ResourceType t = resources.byKind(Json.str(obj, "apiVersion"), Json.str(obj, "kind"));
        if (t == null) {
            throw new IllegalStateException("no resource for " + obj.path("kind"));
        }
        return t;
    }

    /** How an object's kind merges, for managedFields (the untyped merge for kinds the server does not know). */
    private MergeType mergeTypeOf(ObjectNode obj) {
        ResourceType t = resources.byKind(Json.str(obj, "apiVersion"), Json.str(obj, "kind"));
        return t == null ? MergeType.UNKNOWN : t.strategy().mergeType();
    }

    private CertificateAuthority.Issued servingCertificate(Path pki) {
        List<String> dns = new ArrayList<>(List.of("localhost", "kubernetes", "kubernetes.default",
                "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", CertificateAuthority.hostName()));
        List<String> ips = new ArrayList<>(List.of("127.0.0.1", "10.96.0.1"));
        CertificateAuthority.hostAddresses().forEach(ip -> {
            if (!ips.contains(ip)) {
                ips.add(ip);
            }
        });
        if (options.advertiseAddress() != null && !ips.contains(options.advertiseAddress())) {
            ips.add(options.advertiseAddress());
        }
        // issued on every start so new host addresses are covered; the CA is what clients trust
        CertificateAuthority.Issued issued = ca.issueServing("kube-apiserver", dns, ips, Duration.ofDays(365));
        issued.write(pki.resolve("apiserver.crt"), pki.resolve("apiserver.key"));
        return issued;
    }

    private void createNamespaces() throws Exception {
        GenericStore ns = stores.get(resources.find("", "v1", "namespaces"));
        for (String name : List.of("default", "kube-system", "kube-public", "kube-node-lease")) {
            ObjectNode obj = Json.MAPPER.createObjectNode();
            obj.putObject("metadata").put("name", name);
            ignoreExists(ns.create(null, obj, Options.Write.DEFAULT));
        }
    }

    /** The Secret of the default join token, when its file was just written. */
    private void createDefaultToken(NodeBootstrap nodeBootstrap) throws Exception {
        ObjectNode secret = nodeBootstrap.defaultTokenSecretToCreate(java.time.Instant.now());
        if (secret != null) {
            ignoreExists(stores.get(resources.find("", "v1", "secrets")).create(BootstrapToken.NAMESPACE, secret,
                    Options.Write.DEFAULT));
        }
    }

    /** The `kubernetes` Service and its endpoints (the namespaces every cluster has come first). */
    private void bootstrap(ServiceStrategy services, String address) throws Exception {
        GenericStore svc = stores.get(resources.find("", "v1", "services"));
        ObjectNode k = Json.MAPPER.createObjectNode();
        ObjectNode meta = k.putObject("metadata");
        meta.put("name", "kubernetes");
        meta.putObject("labels").put("component", "apiserver").put("provider", "kubernetes");
        ObjectNode spec = k.putObject("spec");
        spec.put("clusterIP", services.firstAddress());
        ObjectNode https = spec.putArray("ports").addObject();
        https.put("name", "https");
        https.put("port", 443);
        https.put("protocol", "TCP");
        https.put("targetPort", this.port);
        // Created once: on a restart the Service (and its allocated address) is already there.
        if (!exists(svc, "default", "kubernetes")) {
            ignoreExists(svc.create("default", k, Options.Write.DEFAULT));
        }
        GenericStore eps = stores.get(resources.find("", "v1", "endpoints"));
        ObjectNode ep = Json.MAPPER.createObjectNode();
        ep.putObject("metadata").put("name", "kubernetes").put("namespace", "default");
        ObjectNode subset = ep.putArray("subsets").addObject();
        subset.putArray("addresses").addObject().put("ip", address);
        ObjectNode epPort = subset.putArray("ports").addObject();
        epPort.put("name", "https");
        epPort.put("port", port);
        epPort.put("protocol", "TCP");
        ObjectNode existing = eps.cache().get(resources.find("", "v1", "endpoints").key("default", "kubernetes"));
        if (existing == null) {
            ignoreExists(eps.create("default", ep, Options.Write.DEFAULT));
        } else if (!existing.path("subsets").equals(ep.path("subsets"))) {
            eps.guaranteedUpdate("default", "kubernetes", cur -> {
                cur.set("subsets", ep.get("subsets"));
                return cur;
            }, Options.Write.DEFAULT, null, 0).get(30, TimeUnit.SECONDS);
        }
    }

    private static boolean exists(GenericStore store, String namespace, String name) throws Exception {
        try {
            store.get(namespace, name).get(30, TimeUnit.SECONDS);
            return true;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof ApiException ae && ae.code() == 404) {
                return false;
            }
            throw e;
        }
    }

    private static void ignoreExists(CompletableFuture<ObjectNode> f) throws Exception {
        try {
            f.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof ApiException ae && ae.code() == 409)) {
                throw e;
            }
        }
    }

    @Override
    public void close() {
        started = false;
        if (deployment != null) {
            try {
                vertx.undeploy(deployment).await(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // shutting down
            }
        }
        if (kubelet != null) {
            kubelet.close();
        }
        if (metricsScraper != null) {
            metricsScraper.close();
        }
        if (customResources != null) {
            customResources.close();
        }
        if (gate != null) {
            gate.close();
        }
        rbac.close();
        caches.forEach(WatchCache::close);
        if (auditLog != null) {
            auditLog.close();
        }
        if (etcdHealth != null) {
            etcdHealth.close();
        }
        if (compactor != null) {
            compactor.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }
}
