package dev.keelson.apiserver.admission;

/** The operation an admission request is for, as Kubernetes' admission.Operation. */
public enum Operation {
    CREATE, UPDATE, DELETE, CONNECT;

    /** Kubernetes' spelling in messages ({@code CREATE}). */
    @Override
    public String toString() {
        return name();
    }
}
