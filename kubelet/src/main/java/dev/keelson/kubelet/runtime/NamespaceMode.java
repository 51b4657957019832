package dev.keelson.kubelet.runtime;

/** Whose Linux namespace a container uses (CRI's NamespaceMode): the pod's sandbox, its own, or the node's. */
public enum NamespaceMode { POD, CONTAINER, NODE }
