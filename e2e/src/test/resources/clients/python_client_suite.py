"""The official Kubernetes Python client (Debian's python3-kubernetes) against a Keelson server.

Run by OfficialClientsTest: python3 python_client_suite.py KUBECONFIG NAMESPACE POD
Each check is a unittest case; the exit code is 0 only when every case passed.
"""
import sys
import threading
import time
import unittest

from kubernetes import client, config, watch
from kubernetes.stream import stream

KUBECONFIG, NAMESPACE, POD = sys.argv[1], sys.argv[2], sys.argv[3]


def config_map(name, labels=None, data=None):
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels or {}), data=data or {})


class PythonClientSuite(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        config.load_kube_config(config_file=KUBECONFIG)
        cls.v1 = client.CoreV1Api()
        cls.apps = client.AppsV1Api()

    def test_list_pages_with_limit_and_continue(self):
        for i in range(5):
            self.v1.create_namespaced_config_map(NAMESPACE, config_map("page-%d" % i, {"suite": "paging"}))
        seen, token, pages = [], None, 0
        while True:
            kwargs = {"limit": 2, "label_selector": "suite=paging"}
            if token:
                kwargs["_continue"] = token
            page = self.v1.list_namespaced_config_map(NAMESPACE, **kwargs)
            pages += 1
            seen += [cm.metadata.name for cm in page.items]
            token = page.metadata._continue
            if not token:
                break
        self.assertEqual(sorted(seen), ["page-%d" % i for i in range(5)])
        self.assertEqual(pages, 3)

    def test_watch_sees_added_modified_deleted(self):
        name = "watched"
        events = []
        done = threading.Event()

        def watch_it():
            w = watch.Watch()
            for ev in w.stream(self.v1.list_namespaced_config_map, NAMESPACE, timeout_seconds=30,
                               field_selector="metadata.name=" + name):
                events.append(ev["type"])
                if ev["type"] == "DELETED":
                    w.stop()
            done.set()

        t = threading.Thread(target=watch_it, daemon=True)
        t.start()
        time.sleep(1)  # the watch is established before the first change
        self.v1.create_namespaced_config_map(NAMESPACE, config_map(name, data={"v": "1"}))
        self.v1.patch_namespaced_config_map(name, NAMESPACE, {"data": {"v": "2"}})
        self.v1.delete_namespaced_config_map(name, NAMESPACE)
        self.assertTrue(done.wait(40), "watch ended without DELETED: %s" % events)
        self.assertEqual(events, ["ADDED", "MODIFIED", "DELETED"])

    def test_watch_resumes_from_a_list_resource_version(self):
        rv = self.v1.list_namespaced_config_map(NAMESPACE).metadata.resource_version
        self.v1.create_namespaced_config_map(NAMESPACE, config_map("after-list"))
        w = watch.Watch()
        names = []
        for ev in w.stream(self.v1.list_namespaced_config_map, NAMESPACE, resource_version=rv, timeout_seconds=10):
            names.append((ev["type"], ev["object"].metadata.name))
            if ev["object"].metadata.name == "after-list":
                w.stop()
        self.assertIn(("ADDED", "after-list"), names)
        self.assertNotIn("page-0", [n for _, n in names])

    def test_patches(self):
        name = "patched"
        self.v1.create_namespaced_config_map(NAMESPACE, config_map(name, data={"a": "1"}))
        merged = self.v1.patch_namespaced_config_map(name, NAMESPACE, {"data": {"b": "2"}})
        self.assertEqual(merged.data, {"a": "1", "b": "2"})
        json_patched = self.v1.patch_namespaced_config_map(
            name, NAMESPACE, [{"op": "remove", "path": "/data/a"}, {"op": "add", "path": "/data/c", "value": "3"}])
        self.assertEqual(json_patched.data, {"b": "2", "c": "3"})
        dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "py-web"},
               "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "py-web"}},
                        "template": {"metadata": {"labels": {"app": "py-web"}},
                                     "spec": {"containers": [{"name": "web", "image": "nginx:1.22"}]}}}}
        self.apps.create_namespaced_deployment(NAMESPACE, dep)
        scaled = self.apps.patch_namespaced_deployment_scale("py-web", NAMESPACE, {"spec": {"replicas": 0}})
        self.assertEqual(scaled.spec.replicas, 0)
        self.assertEqual(self.apps.read_namespaced_deployment("py-web", NAMESPACE).spec.replicas, 0)

    def test_exec_returns_stdout(self):
        out = stream(self.v1.connect_get_namespaced_pod_exec, POD, NAMESPACE,
                     command=["sh", "-c", "echo out-line"], stderr=True, stdin=False, stdout=True, tty=False)
        self.assertEqual(out.strip(), "out-line")

    def test_errors_are_kubernetes_status(self):
        with self.assertRaises(client.exceptions.ApiException) as caught:
            self.v1.read_namespaced_config_map("does-not-exist", NAMESPACE)
        self.assertEqual(caught.exception.status, 404)
        self.assertIn('"reason":"NotFound"', caught.exception.body.replace(" ", ""))


if __name__ == "__main__":
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    sys.exit(0 if result.wasSuccessful() else 1)
