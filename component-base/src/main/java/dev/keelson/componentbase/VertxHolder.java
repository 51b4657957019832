package dev.keelson.componentbase;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/** The one Vert.x instance of this JVM, shared by every component that runs in it. */
public final class VertxHolder {
    private static Vertx vertx;

    private VertxHolder() {}

    public static synchronized Vertx get() {
        if (vertx == null) {
            vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(false));
        }
        return vertx;
    }
}
