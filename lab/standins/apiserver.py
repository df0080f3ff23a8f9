#!/usr/bin/python3
"""Kubernetes API server stand-in for the nodeward lab (runs on the host).

    apiserver.py --port P --socket PATH --state-dir DIR [--grace 8] [--pidfile F] [--pdb-block NS/NAME]...

Serves enough of the real REST API on 127.0.0.1:P (kubectl, nodeward's src/kube) and on a
unix socket (the kubelets inside nodes): discovery, Nodes (+status), Pods, evictions, and the
read-only apps/policy objects kubectl drain looks up. A node lifecycle monitor turns Ready into
Unknown when a kubelet stops heartbeating for --grace seconds, as kube-controller-manager does.
State is kept in DIR/state.json so a restart keeps the nodes.
"""

import argparse
import base64
import copy
import hashlib
import json
import os
import signal
import socketserver
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

sys.dont_write_bytecode = True  # keep the repo free of __pycache__
sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), 'lib'))

import k8spatch  # noqa: E402
import k8sview  # noqa: E402

VERSION_INFO = {
    'major': '1', 'minor': '31', 'gitVersion': 'v1.31.4', 'gitCommit': 'a78aa47129b8539636eb86a9d00e31b2720fe06b',
    'gitTreeState': 'clean', 'buildDate': '2024-12-10T11:36:39Z', 'goVersion': 'go1.22.10', 'compiler': 'gc',
    'platform': 'linux/amd64',
}
NAMESPACES = ('default', 'kube-node-lease', 'kube-public', 'kube-system')
UNKNOWN_MESSAGE = 'Kubelet stopped posting node status.'
NEVER_MESSAGE = 'Kubelet never posted node status.'
TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable'
TAINT_NOT_READY = 'node.kubernetes.io/not-ready'
TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable'
READ_VERBS = ['get', 'list', 'watch']
ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']


def now_stamp(ts=None):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(time.time() if ts is None else ts))


def resource(name, kind, namespaced, verbs, short=None, singular=None, **extra):
    out = {'name': name, 'singularName': singular if singular is not None else ('' if '/' in name else kind.lower()),
           'namespaced': namespaced, 'kind': kind, 'verbs': verbs}
    if short:
        out['shortNames'] = short
    out.update(extra)
    return out


DISCOVERY = {
    '/api': {'kind': 'APIVersions', 'versions': ['v1'],
             'serverAddressByClientCIDRs': [{'clientCIDR': '0.0.0.0/0', 'serverAddress': '127.0.0.1:6443'}]},
    '/api/v1': {'kind': 'APIResourceList', 'groupVersion': 'v1', 'resources': [
        resource('namespaces', 'Namespace', False, ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['ns']),
        resource('nodes', 'Node', False, ALL_VERBS, ['no']),
        resource('nodes/proxy', 'NodeProxyOptions', False, ['create', 'delete', 'get', 'patch', 'update']),
        resource('nodes/status', 'Node', False, ['get', 'patch', 'update']),
        resource('pods', 'Pod', True, ALL_VERBS, ['po'], categories=['all']),
        resource('pods/eviction', 'Eviction', True, ['create'], group='policy', version='v1'),
        resource('pods/status', 'Pod', True, ['get', 'patch', 'update']),
    ]},
    '/apis': {'kind': 'APIGroupList', 'apiVersion': 'v1', 'groups': [
        {'name': g, 'versions': [{'groupVersion': f'{g}/v1', 'version': 'v1'}],
         'preferredVersion': {'groupVersion': f'{g}/v1', 'version': 'v1'}} for g in ('apps', 'policy')]},
    '/apis/apps/v1': {'kind': 'APIResourceList', 'apiVersion': 'v1', 'groupVersion': 'apps/v1', 'resources': [
        resource('daemonsets', 'DaemonSet', True, READ_VERBS, ['ds'], categories=['all']),
        resource('replicasets', 'ReplicaSet', True, READ_VERBS, ['rs'], categories=['all']),
    ]},
    '/apis/policy/v1': {'kind': 'APIResourceList', 'apiVersion': 'v1', 'groupVersion': 'policy/v1', 'resources': [
        resource('poddisruptionbudgets', 'PodDisruptionBudget', True, READ_VERBS + ['create', 'delete'], ['pdb']),
    ]},
}
DISCOVERY['/apis/apps'] = DISCOVERY['/apis']['groups'][0] | {'kind': 'APIGroup', 'apiVersion': 'v1'}
DISCOVERY['/apis/policy'] = DISCOVERY['/apis']['groups'][1] | {'kind': 'APIGroup', 'apiVersion': 'v1'}


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def status(self):
        body = {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Failure',
                'message': self.message, 'reason': self.reason, 'code': self.code}
        if self.details:
            body['details'] = self.details
        return body


def not_found(plural, name, group=''):
    details = {'name': name, 'kind': plural}
    if group:
        details['group'] = group
    prefix = f'{plural}.{group}' if group else plural
    return ApiError(404, 'NotFound', f'{prefix} "{name}" not found', details)


def suffix_for(text, length=5):
    # Deterministic per node, so `lab reset` recreates the same pod names.
    alphabet = 'bcdfghjklmnpqrstvwxz2456789'
    n = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], 'big')
    out = ''
    for _ in range(length):
        n, r = divmod(n, len(alphabet))
        out += alphabet[r]
    return out


class Store:
    """All objects, one lock. Writes bump the global resourceVersion and mark the state dirty."""

    def __init__(self, state_dir, grace, pdb_blocks):
        self.path = os.path.join(state_dir, 'state.json')
        self.grace = grace
        self.lock = threading.RLock()
        self.rv = 1
        self.nodes = {}
        self.pods = {}
        self.pdb_blocks = set(pdb_blocks)
        self.seen = {}  # node -> time.time() when its heartbeat last changed
        self.configz = {}  # node -> what its kubelet reports on /configz
        self.dirty = False
        self.created_at = now_stamp()
        self._load()
        self.pdb_blocks |= set(pdb_blocks)

    def _load(self):
        try:
            with open(self.path) as f:
                state = json.load(f)
        except (OSError, ValueError):
            return
        self.rv = state.get('resourceVersion', 1)
        self.nodes = {n['metadata']['name']: n for n in state.get('nodes', [])}
        self.pods = {(p['metadata']['namespace'], p['metadata']['name']): p for p in state.get('pods', [])}
        self.pdb_blocks = set(state.get('pdbBlocks', []))
        self.configz = state.get('configz', {})
        self.created_at = state.get('createdAt', self.created_at)

    def save(self):
        with self.lock:
            if not self.dirty:
                return
            text = json.dumps({'resourceVersion': self.rv, 'createdAt': self.created_at,
                               'nodes': list(self.nodes.values()), 'pods': list(self.pods.values()),
                               'pdbBlocks': sorted(self.pdb_blocks), 'configz': self.configz}, separators=(',', ':'))
            self.dirty = False
        tmp = self.path + '.tmp'
        with open(tmp, 'w') as f:
            f.write(text)
        os.replace(tmp, self.path)

    def bump(self, obj):
        self.rv += 1
        obj['metadata']['resourceVersion'] = str(self.rv)
        self.dirty = True

    # --- nodes ------------------------------------------------------------------------------

    def create_node(self, body, dry_run):
        meta = body.get('metadata') or {}
        name = meta.get('name', '')
        if not name:
            raise ApiError(422, 'Invalid', 'Node "" is invalid: metadata.name: Required value: name or generateName is required')
        with self.lock:
            if name in self.nodes:
                raise ApiError(409, 'AlreadyExists', f'nodes "{name}" already exists', {'name': name, 'kind': 'nodes'})
            node = {'kind': 'Node', 'apiVersion': 'v1',
                    'metadata': dict(meta, uid=str(uuid.uuid4()), creationTimestamp=now_stamp()),
                    'spec': body.get('spec') or {}, 'status': body.get('status') or {}}
            node['metadata'].pop('resourceVersion', None)
            if dry_run:
                return node
            self.nodes[name] = node
            self.bump(node)
            self._note_heartbeat(name, node)
            self._create_pods(node)
            return node

    def get_node(self, name):
        node = self.nodes.get(name)
        if node is None:
            raise not_found('nodes', name)
        return node

    def update_node(self, name, new, status_only, dry_run):
        with self.lock:
            old = self.get_node(name)
            want_rv = (new.get('metadata') or {}).get('resourceVersion')
            if want_rv and want_rv != old['metadata']['resourceVersion']:
                raise ApiError(409, 'Conflict', f'Operation cannot be fulfilled on nodes "{name}": the object has been '
                               'modified; please apply your changes to the latest version and try again',
                               {'name': name, 'kind': 'nodes'})
            if (new.get('metadata') or {}).get('name', name) != name:
                raise ApiError(400, 'BadRequest', 'the name of the object does not match the name on the URL')
            merged = copy.deepcopy(old)
            if status_only:
                merged['status'] = new.get('status') or {}
            else:
                meta = dict(new.get('metadata') or {})
                for key in ('name', 'uid', 'creationTimestamp', 'resourceVersion'):
                    meta[key] = old['metadata'][key]
                merged['metadata'] = meta
                merged['spec'] = new.get('spec') or {}
            if merged == old or dry_run:
                return merged
            self.nodes[name] = merged
            self.bump(merged)
            if status_only:
                self._note_heartbeat(name, merged, old)
            return merged

    def delete_node(self, name, dry_run):
        with self.lock:
            node = self.get_node(name)
            if not dry_run:
                del self.nodes[name]
                self.seen.pop(name, None)
                self.configz.pop(name, None)
                for key in [k for k, p in self.pods.items() if p['spec'].get('nodeName') == name]:
                    del self.pods[key]
                self.rv += 1
                self.dirty = True
            return node

    def kubelet_reachable(self, name):
        node = self.get_node(name)
        ready = next((c for c in node['status'].get('conditions', []) if c.get('type') == 'Ready'), {})
        if ready.get('status') in ('True', 'False') and time.time() - self.seen.get(name, 0) <= self.grace:
            return
        ip = next((a['address'] for a in node['status'].get('addresses', []) if a.get('type') == 'InternalIP'), name)
        port = node['status'].get('daemonEndpoints', {}).get('kubeletEndpoint', {}).get('Port', 10250)
        raise ApiError(503, 'ServiceUnavailable',
                       f'error trying to reach service: dial tcp {ip}:{port}: connect: connection refused')

    def _note_heartbeat(self, name, node, old=None):
        def beat(n):
            ready = next((c for c in (n or {}).get('status', {}).get('conditions', []) if c.get('type') == 'Ready'), {})
            return ready.get('lastHeartbeatTime'), ready.get('status')
        new_beat = beat(node)
        if new_beat[0] and (old is None or new_beat != beat(old)) and new_beat[1] in ('True', 'False'):
            self.seen[name] = time.time()

    # --- node lifecycle (kube-controller-manager's part) -------------------------------------

    def monitor(self):
        now = time.time()
        with self.lock:
            for name, node in list(self.nodes.items()):
                changed = self._monitor_ready(name, node, now)
                changed |= self._reconcile_taints(node)
                if changed:
                    self.bump(node)
                self._reconcile_pods(node)
                self._replace_pods(node)

    def _monitor_ready(self, name, node, now):
        conds = node.setdefault('status', {}).setdefault('conditions', [])
        ready = next((c for c in conds if c.get('type') == 'Ready'), None)
        last = self.seen.get(name)
        if last is None:
            stamp = k8sview.parse_time((ready or {}).get('lastHeartbeatTime'))
            last = stamp if stamp is not None else k8sview.parse_time(node['metadata'].get('creationTimestamp')) or now
            self.seen[name] = last
        if now - last <= self.grace:
            return False
        stamp = now_stamp(now)
        if ready is None:
            conds.append({'type': 'Ready', 'status': 'Unknown', 'lastHeartbeatTime': node['metadata']['creationTimestamp'],
                          'lastTransitionTime': stamp, 'reason': 'NodeStatusNeverUpdated', 'message': NEVER_MESSAGE})
            return True
        changed = False
        for cond in conds:
            if cond.get('status') != 'Unknown':
                cond.update(status='Unknown', reason='NodeStatusUnknown', message=UNKNOWN_MESSAGE,
                            lastTransitionTime=stamp)
                changed = True
        return changed

    def _reconcile_taints(self, node):
        ready = next((c.get('status') for c in node.get('status', {}).get('conditions', []) if c.get('type') == 'Ready'), None)
        spec = node.setdefault('spec', {})
        taints = spec.get('taints') or []
        managed = {TAINT_UNREACHABLE, TAINT_NOT_READY, TAINT_UNSCHEDULABLE}
        want = []
        condition_key = {'Unknown': TAINT_UNREACHABLE, 'False': TAINT_NOT_READY}.get(ready)
        if condition_key:
            want += [(condition_key, 'NoSchedule'), (condition_key, 'NoExecute')]
        if spec.get('unschedulable'):
            want.append((TAINT_UNSCHEDULABLE, 'NoSchedule'))
        have = [(t.get('key'), t.get('effect')) for t in taints if t.get('key') in managed]
        if sorted(have) == sorted(want):
            return False
        kept = [t for t in taints if t.get('key') not in managed or (t.get('key'), t.get('effect')) in want]
        for key, effect in want:
            if (key, effect) not in have:
                taint = {'key': key, 'effect': effect}
                if effect == 'NoExecute':
                    taint['timeAdded'] = now_stamp()
                kept.append(taint)
        if kept:
            spec['taints'] = kept
        else:
            spec.pop('taints', None)
        return True

    def _reconcile_pods(self, node):
        # Pods follow their node's readiness (MarkPodsNotReady; the kubelet marks them ready again).
        ready = any(c.get('type') == 'Ready' and c.get('status') == 'True' for c in node['status'].get('conditions', []))
        name = node['metadata']['name']
        for pod in self.pods.values():
            if pod['spec'].get('nodeName') != name:
                continue
            status = pod['status']
            want = 'True' if ready else 'False'
            conds = [c for c in status.get('conditions', []) if c['type'] in ('Ready', 'ContainersReady')]
            if all(c['status'] == want for c in conds):
                continue
            for c in conds:
                c['status'] = want
                c['lastTransitionTime'] = now_stamp()
            for cs in status.get('containerStatuses', []):
                cs['ready'] = ready
            self.bump(pod)

    def _replace_pods(self, node):
        # The DaemonSet and ReplicaSet controllers: an evicted or deleted pod gets a replacement
        # (new uid) on a Ready node; ReplicaSet pods only while the node is schedulable.
        ready = any(c.get('type') == 'Ready' and c.get('status') == 'True' for c in node['status'].get('conditions', []))
        if ready:
            self._create_pods(node, ('DaemonSet',) if node.get('spec', {}).get('unschedulable') else ('DaemonSet', 'ReplicaSet'))

    # --- pods -------------------------------------------------------------------------------

    def _create_pods(self, node, kinds=('DaemonSet', 'ReplicaSet')):
        name = node['metadata']['name']
        ip = next((a['address'] for a in node['status'].get('addresses', []) if a.get('type') == 'InternalIP'), '')
        sfx = suffix_for(name)
        specs = [
            ('kube-system', f'kube-proxy-{sfx}', 'DaemonSet', 'kube-proxy', 'registry.k8s.io/kube-proxy:v1.31.4',
             {'k8s-app': 'kube-proxy', 'controller-revision-hash': '7f8c9b6d5d', 'pod-template-generation': '1'}, True),
            ('default', f'web-7c9d8b6f5d-{sfx}', 'ReplicaSet', 'web-7c9d8b6f5d', 'nginx:1.27',
             {'app': 'web', 'pod-template-hash': '7c9d8b6f5d'}, False),
            ('default', f'api-5f6b7c8d9-{suffix_for(name + "/api")}', 'ReplicaSet', 'api-5f6b7c8d9',
             'ghcr.io/example/api:2.3.1', {'app': 'api', 'pod-template-hash': '5f6b7c8d9'}, False),
        ]
        for ns, pod_name, owner_kind, owner, image, labels, host_net in specs:
            if (ns, pod_name) in self.pods or owner_kind not in kinds:
                continue
            # Pod IPs are only data here, but stay inside the lab's 198.18.0.0/15 all the same.
            seed = int.from_bytes(hashlib.sha256(pod_name.encode()).digest()[:4], 'big')
            pod_ip = f'198.18.{128 + seed % 120}.{2 + (seed >> 8) % 250}'
            pod = make_pod(ns, pod_name, name, ip if host_net else pod_ip, ip, owner_kind, owner, image, labels, host_net)
            self.pods[(ns, pod_name)] = pod
            self.bump(pod)

    def get_pod(self, ns, name):
        pod = self.pods.get((ns, name))
        if pod is None:
            raise not_found('pods', name)
        return pod

    def delete_pod(self, ns, name, dry_run):
        with self.lock:
            pod = copy.deepcopy(self.get_pod(ns, name))
            pod['metadata']['deletionTimestamp'] = now_stamp()
            pod['metadata']['deletionGracePeriodSeconds'] = 0
            if not dry_run:
                del self.pods[(ns, name)]
                self.rv += 1
                self.dirty = True
            return pod

    def blocking_pdb(self, pod):
        ns = pod['metadata']['namespace']
        for block in self.pdb_blocks:
            bns, _, bname = block.partition('/')
            if bns == ns and bname in (pod['metadata']['name'], pod['metadata'].get('labels', {}).get('app')):
                return bname
        return None

    def owners(self, kind):
        """DaemonSets / ReplicaSets implied by the pods' ownerReferences (read-only)."""
        found = {}
        for pod in self.pods.values():
            for ref in pod['metadata'].get('ownerReferences', []):
                if ref.get('kind') == kind:
                    found.setdefault((pod['metadata']['namespace'], ref['name']), (ref, []))[1].append(pod)
        return found

    def pdbs(self):
        out = []
        for block in sorted(self.pdb_blocks):
            ns, _, name = block.partition('/')
            matching = [p for p in self.pods.values() if p['metadata']['namespace'] == ns and
                        name in (p['metadata']['name'], p['metadata'].get('labels', {}).get('app'))]
            out.append({'apiVersion': 'policy/v1', 'kind': 'PodDisruptionBudget',
                        'metadata': {'name': name, 'namespace': ns, 'uid': str(uuid.uuid5(uuid.NAMESPACE_URL, block)),
                                     'resourceVersion': str(self.rv), 'creationTimestamp': self.created_at, 'generation': 1},
                        'spec': {'maxUnavailable': 0, 'selector': {'matchLabels': {'app': name}}},
                        'status': {'currentHealthy': len(matching), 'desiredHealthy': len(matching),
                                   'disruptionsAllowed': 0, 'expectedPods': len(matching), 'observedGeneration': 1}})
        return out


def make_pod(ns, name, node, pod_ip, host_ip, owner_kind, owner, image, labels, host_net):
    started = now_stamp()
    container = labels.get('k8s-app') or labels.get('app')
    owner_uid = str(uuid.uuid5(uuid.NAMESPACE_URL, f'{ns}/{owner_kind}/{owner}'))
    spec = {
        'nodeName': node, 'containers': [{'name': container, 'image': image, 'imagePullPolicy': 'IfNotPresent',
                                          'resources': {}, 'terminationMessagePath': '/dev/termination-log',
                                          'terminationMessagePolicy': 'File'}],
        'restartPolicy': 'Always', 'terminationGracePeriodSeconds': 30, 'dnsPolicy': 'ClusterFirst',
        'serviceAccountName': container, 'serviceAccount': container, 'schedulerName': 'default-scheduler',
        'securityContext': {}, 'enableServiceLinks': True, 'preemptionPolicy': 'PreemptLowerPriority', 'priority': 0,
        'tolerations': [{'key': 'node.kubernetes.io/not-ready', 'operator': 'Exists', 'effect': 'NoExecute', 'tolerationSeconds': 300},
                        {'key': 'node.kubernetes.io/unreachable', 'operator': 'Exists', 'effect': 'NoExecute', 'tolerationSeconds': 300}],
    }
    if host_net:
        spec.update(hostNetwork=True, priorityClassName='system-node-critical', priority=2000001000,
                    dnsPolicy='ClusterFirstWithHostNet')
        spec['tolerations'] = [{'operator': 'Exists'}]
    conditions = [{'type': t, 'status': 'True', 'lastProbeTime': None, 'lastTransitionTime': started}
                  for t in ('PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled')]
    return {
        'kind': 'Pod', 'apiVersion': 'v1',
        'metadata': {'name': name, 'namespace': ns, 'uid': str(uuid.uuid4()), 'creationTimestamp': started,
                     'generateName': name[:-5], 'labels': labels,
                     'ownerReferences': [{'apiVersion': 'apps/v1', 'kind': owner_kind, 'name': owner, 'uid': owner_uid,
                                          'controller': True, 'blockOwnerDeletion': True}]},
        'spec': spec,
        'status': {'phase': 'Running', 'conditions': conditions, 'hostIP': host_ip, 'hostIPs': [{'ip': host_ip}] if host_ip else [],
                   'podIP': pod_ip, 'podIPs': [{'ip': pod_ip}], 'startTime': started, 'qosClass': 'BestEffort',
                   'containerStatuses': [{'name': container, 'ready': True, 'restartCount': 0, 'image': image,
                                          'imageID': '', 'started': True,
                                          'containerID': 'containerd://' + uuid.uuid4().hex + uuid.uuid4().hex,
                                          'state': {'running': {'startedAt': started}}}]},
    }


def owner_object(kind, ns, name, ref, pods, rv, created):
    template_labels = {k: v for k, v in pods[0]['metadata'].get('labels', {}).items()
                       if k not in ('controller-revision-hash', 'pod-template-generation')}
    obj = {'apiVersion': 'apps/v1', 'kind': kind,
           'metadata': {'name': name, 'namespace': ns, 'uid': ref['uid'], 'resourceVersion': str(rv),
                        'creationTimestamp': created, 'generation': 1},
           'spec': {'selector': {'matchLabels': template_labels},
                    'template': {'metadata': {'labels': template_labels}, 'spec': copy.deepcopy(pods[0]['spec'])}}}
    obj['spec']['template']['spec'].pop('nodeName', None)
    n = len(pods)
    if kind == 'DaemonSet':
        obj['status'] = {'currentNumberScheduled': n, 'desiredNumberScheduled': n, 'numberAvailable': n,
                         'numberMisscheduled': 0, 'numberReady': n, 'observedGeneration': 1, 'updatedNumberScheduled': n}
    else:
        obj['spec']['replicas'] = n
        obj['status'] = {'replicas': n, 'readyReplicas': n, 'availableReplicas': n, 'fullyLabeledReplicas': n,
                         'observedGeneration': 1}
    return obj


class Api:
    """Routes a request to the store; returns (code, body dict)."""

    def __init__(self, store):
        self.store = store

    def handle(self, method, path, query, headers, body):
        # One lock around the whole request: requests are short, and the copy keeps the
        # monitor thread from changing an object while it is being serialised.
        with self.store.lock:
            code, obj = self._route(method, path, query, headers, body)
            return code, copy.deepcopy(obj)

    def _route(self, method, path, query, headers, body):
        parts = [p for p in path.split('/') if p]
        if 'watch' in query and query['watch'][0] in ('true', '1') or parts[2:3] == ['watch'] or parts[3:4] == ['watch']:
            raise ApiError(405, 'MethodNotAllowed', 'watch is not supported by the lab API server')
        if method == 'GET' and path.rstrip('/') in DISCOVERY:
            return 200, DISCOVERY[path.rstrip('/')]
        if method == 'GET' and path == '/version':
            return 200, VERSION_INFO
        if parts[:2] == ['api', 'v1']:
            return self.core(method, parts[2:], query, headers, body)
        if parts[:3] == ['nwlab', 'v1', 'nodes'] and parts[4:] == ['configz'] and method == 'POST':
            # Lab-only: the kubelet stand-in reports its effective config for nodes/NAME/proxy/configz.
            self.store.get_node(parts[3])
            self.store.configz[parts[3]] = parse_json(body)
            self.store.dirty = True
            return 200, {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Success'}
        if parts[:3] == ['apis', 'apps', 'v1'] and method == 'GET':
            return self.apps(parts[3:], query)
        if parts[:3] == ['apis', 'policy', 'v1'] and method == 'GET':
            return self.policy(parts[3:], query)
        if parts[:3] == ['apis', 'policy', 'v1'] and method in ('POST', 'DELETE'):
            return self.policy_write(method, parts[3:], body)
        raise ApiError(404, 'NotFound', 'the server could not find the requested resource')

    def core(self, method, rest, query, headers, body):
        store = self.store
        dry = 'dryRun' in query
        if rest == ['nodes']:
            if method == 'GET':
                with store.lock:
                    return 200, self.listing('NodeList', 'Node', list(store.nodes.values()), query)
            if method == 'POST':
                return 201, store.create_node(parse_json(body), dry)
            raise method_not_allowed()
        if len(rest) == 4 and rest[0] == 'nodes' and rest[2] == 'proxy' and method == 'GET':
            # What the API server would fetch from the kubelet on port 10250.
            store.kubelet_reachable(rest[1])
            if rest[3] == 'configz' and rest[1] in store.configz:
                return 200, store.configz[rest[1]]
            if rest[3] == 'healthz':
                return 200, b'ok'
            return 404, b'404 page not found\n'
        if len(rest) in (2, 3) and rest[0] == 'nodes':
            name = rest[1]
            status_only = rest[2:] == ['status']
            if len(rest) == 3 and not status_only:
                raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
            with store.lock:
                if method == 'GET':
                    return 200, store.get_node(name)
                if method == 'PUT':
                    return 200, store.update_node(name, parse_json(body), status_only, dry)
                if method == 'PATCH':
                    current = store.get_node(name)
                    patched = apply_patch(current, body, headers.get('content-type', ''))
                    return 200, store.update_node(name, patched, status_only, dry)
                if method == 'DELETE' and not status_only:
                    node = store.delete_node(name, dry)
                    return 200, {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Success',
                                 'details': {'name': name, 'kind': 'nodes', 'uid': node['metadata']['uid']}}
            raise method_not_allowed()
        if rest == ['pods'] and method == 'GET':
            with store.lock:
                return 200, self.listing('PodList', 'Pod', list(store.pods.values()), query)
        if rest == ['namespaces'] and method == 'GET':
            return 200, self.listing('NamespaceList', 'Namespace', [namespace(n, store.created_at) for n in NAMESPACES], query)
        if len(rest) >= 2 and rest[0] == 'namespaces':
            ns = rest[1]
            if ns not in NAMESPACES and len(rest) == 2:
                raise not_found('namespaces', ns)
            if len(rest) == 2 and method == 'GET':
                return 200, namespace(ns, store.created_at)
            if rest[2:] == ['pods'] and method == 'GET':
                with store.lock:
                    pods = [p for (pns, _), p in store.pods.items() if pns == ns]
                    return 200, self.listing('PodList', 'Pod', pods, query)
            if len(rest) >= 4 and rest[2] == 'pods':
                return self.pod(method, ns, rest[3], rest[4:], body, dry)
        raise ApiError(404, 'NotFound', 'the server could not find the requested resource')

    def pod(self, method, ns, name, sub, body, dry):
        store = self.store
        with store.lock:
            if not sub and method == 'GET' or sub == ['status'] and method == 'GET':
                return 200, store.get_pod(ns, name)
            if not sub and method == 'DELETE':
                return 200, store.delete_pod(ns, name, dry)
            if sub == ['eviction'] and method == 'POST':
                eviction = parse_json(body)
                pod = store.get_pod(ns, name)
                target = (eviction.get('metadata') or {}).get('name', name)
                if target != name:
                    raise ApiError(400, 'BadRequest', 'name in URL does not match name in Eviction object')
                blocker = store.blocking_pdb(pod)
                if blocker:
                    raise ApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.",
                                   {'causes': [{'reason': 'DisruptionBudget',
                                                'message': f'The disruption budget {blocker} needs 1 healthy pods and has 1 currently'}]})
                store.delete_pod(ns, name, dry or 'dryRun' in eviction.get('deleteOptions', {}))
                return 201, {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Success', 'code': 201}
        raise method_not_allowed()

    def apps(self, rest, query):
        kinds = {'daemonsets': 'DaemonSet', 'replicasets': 'ReplicaSet'}
        ns, plural, name = None, None, None
        if len(rest) == 1:
            plural = rest[0]
        elif len(rest) in (3, 4) and rest[0] == 'namespaces':
            ns, plural = rest[1], rest[2]
            name = rest[3] if len(rest) == 4 else None
        if plural not in kinds:
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        kind = kinds[plural]
        with self.store.lock:
            objs = [owner_object(kind, ons, oname, ref, pods, self.store.rv, self.store.created_at)
                    for (ons, oname), (ref, pods) in sorted(self.store.owners(kind).items())
                    if ns is None or ons == ns]
            if name is not None:
                match = next((o for o in objs if o['metadata']['name'] == name), None)
                if match is None:
                    raise not_found(plural, name, 'apps')
                return 200, match
            return 200, self.listing(f'{kind}List', kind, objs, query, 'apps/v1')

    def policy(self, rest, query):
        with self.store.lock:
            pdbs = self.store.pdbs()
        if rest == ['poddisruptionbudgets']:
            return 200, self.listing('PodDisruptionBudgetList', 'PodDisruptionBudget', pdbs, query, 'policy/v1')
        if len(rest) in (3, 4) and rest[0] == 'namespaces' and rest[2] == 'poddisruptionbudgets':
            pdbs = [p for p in pdbs if p['metadata']['namespace'] == rest[1]]
            if len(rest) == 4:
                match = next((p for p in pdbs if p['metadata']['name'] == rest[3]), None)
                if match is None:
                    raise not_found('poddisruptionbudgets', rest[3], 'policy')
                return 200, match
            return 200, self.listing('PodDisruptionBudgetList', 'PodDisruptionBudget', pdbs, query, 'policy/v1')
        raise ApiError(404, 'NotFound', 'the server could not find the requested resource')

    def policy_write(self, method, rest, body):
        # A PDB here is a block on evictions of the pods whose `app` label (or name) it names:
        # disruptionsAllowed stays 0, like maxUnavailable: 0 over pods that are all needed.
        if len(rest) not in (3, 4) or rest[0] != 'namespaces' or rest[2] != 'poddisruptionbudgets':
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        ns = rest[1]
        with self.store.lock:
            if method == 'POST' and len(rest) == 3:
                pdb = parse_json(body)
                name = (pdb.get('metadata') or {}).get('name', '')
                if not name:
                    raise ApiError(422, 'Invalid', 'PodDisruptionBudget.policy "" is invalid: metadata.name: Required value')
                app = ((pdb.get('spec') or {}).get('selector') or {}).get('matchLabels', {}).get('app', name)
                if f'{ns}/{app}' in self.store.pdb_blocks:
                    raise ApiError(409, 'AlreadyExists', f'poddisruptionbudgets.policy "{app}" already exists',
                                   {'name': app, 'group': 'policy', 'kind': 'poddisruptionbudgets'})
                self.store.pdb_blocks.add(f'{ns}/{app}')
                self.store.rv += 1
                self.store.dirty = True
                return 201, next(p for p in self.store.pdbs() if p['metadata']['namespace'] == ns and p['metadata']['name'] == app)
            if method == 'DELETE' and len(rest) == 4:
                if f'{ns}/{rest[3]}' not in self.store.pdb_blocks:
                    raise not_found('poddisruptionbudgets', rest[3], 'policy')
                self.store.pdb_blocks.discard(f'{ns}/{rest[3]}')
                self.store.rv += 1
                self.store.dirty = True
                return 200, {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Success',
                             'details': {'name': rest[3], 'group': 'policy', 'kind': 'poddisruptionbudgets'}}
        raise method_not_allowed()

    def listing(self, list_kind, kind, objects, query, api_version='v1'):
        try:
            labels = k8sview.label_matcher(query.get('labelSelector', [''])[0])
            fields = k8sview.field_matcher(kind, query.get('fieldSelector', [''])[0])
        except k8sview.SelectorError as e:
            raise ApiError(400, 'BadRequest', str(e)) from None
        items = sorted((o for o in objects if labels(o['metadata'].get('labels')) and fields(o)),
                       key=lambda o: (o['metadata'].get('namespace', ''), o['metadata']['name']))
        start = 0
        if query.get('continue', [''])[0]:
            try:
                start = json.loads(base64.urlsafe_b64decode(query['continue'][0]))['start']
            except (ValueError, KeyError, TypeError):
                raise ApiError(400, 'BadRequest', 'continue key is not valid: illegal base64 data') from None
        limit = int(query.get('limit', ['0'])[0] or 0)
        end = start + limit if limit > 0 else len(items)
        meta = {'resourceVersion': str(self.store.rv)}
        if end < len(items):
            meta['continue'] = base64.urlsafe_b64encode(json.dumps({'start': end}).encode()).decode()
            meta['remainingItemCount'] = len(items) - end
        page = [{k: v for k, v in o.items() if k not in ('kind', 'apiVersion')} for o in items[start:end]]
        return {'kind': list_kind, 'apiVersion': api_version, 'metadata': meta, 'items': page, '_kind': kind}


def namespace(name, created):
    return {'kind': 'Namespace', 'apiVersion': 'v1',
            'metadata': {'name': name, 'uid': str(uuid.uuid5(uuid.NAMESPACE_URL, 'ns/' + name)), 'resourceVersion': '1',
                         'creationTimestamp': created, 'labels': {'kubernetes.io/metadata.name': name}},
            'spec': {'finalizers': ['kubernetes']}, 'status': {'phase': 'Active'}}


def method_not_allowed():
    return ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')


def parse_json(body):
    try:
        value = json.loads(body or b'{}')
    except ValueError as e:
        raise ApiError(400, 'BadRequest', f'the object provided is unrecognized: {e}') from None
    if not isinstance(value, dict):
        raise ApiError(400, 'BadRequest', 'the object provided is unrecognized')
    return value


def apply_patch(current, body, content_type):
    ctype = content_type.split(';')[0].strip()
    try:
        if ctype == 'application/apply-patch+yaml':
            import yaml
            patch = yaml.safe_load(body or b'{}')
        else:
            patch = json.loads(body or b'null')
    except ValueError as e:
        raise ApiError(400, 'BadRequest', f'error decoding patch: {e}') from None
    try:
        if ctype == 'application/merge-patch+json' or ctype == 'application/apply-patch+yaml':
            return k8spatch.merge_patch(current, patch)
        if ctype == 'application/strategic-merge-patch+json':
            return k8spatch.strategic_merge_patch(current, patch)
        if ctype == 'application/json-patch+json':
            return k8spatch.json_patch(current, patch)
    except k8spatch.PatchError as e:
        raise ApiError(422, 'Invalid', str(e)) from None
    raise ApiError(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types '
                   'include: application/json-patch+json, application/merge-patch+json, '
                   'application/apply-patch+yaml, application/strategic-merge-patch+json')


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'nwlab-apiserver'
    sys_version = ''
    api = None  # set by main

    def address_string(self):
        return self.client_address[0] if isinstance(self.client_address, tuple) else 'unix'

    def log_message(self, fmt, *args):
        pass

    def _respond(self, code, body, ctype='application/json'):
        data = body if isinstance(body, bytes) else json.dumps(body, separators=(',', ':')).encode()
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Cache-Control', 'no-cache, private')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(data)

    def _dispatch(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        path, _, raw_query = self.path.partition('?')
        query = parse_qs(raw_query)
        if path in ('/healthz', '/readyz', '/livez') or path.startswith(('/healthz/', '/readyz/', '/livez/')):
            self._respond(200, b'ok', 'text/plain; charset=utf-8')
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            code, obj = self.api.handle(self.command, path, query, headers, body)
        except ApiError as e:
            self._respond(e.code, e.status())
            return
        except Exception as e:  # keep serving; report like an apiserver would
            sys.stderr.write(f'apiserver: internal error on {self.command} {self.path}: {e!r}\n')
            self._respond(500, ApiError(500, 'InternalError', f'Internal error occurred: {e}').status())
            return
        rendered = self._render(obj, headers.get('accept', ''), query)
        self._respond(code, rendered, 'text/plain; charset=utf-8' if isinstance(rendered, bytes) else 'application/json')

    def _render(self, obj, accept, query):
        if isinstance(obj, bytes):
            return obj
        kind = obj.pop('_kind', None) if 'items' in obj else obj.get('kind')
        if 'as=Table' in accept and kind not in (None, 'Status', 'APIResourceList', 'APIGroupList', 'APIVersions', 'APIGroup'):
            api_version = 'meta.k8s.io/v1' if 'as=Table;v=v1;' in accept or 'v=v1;' in accept else 'meta.k8s.io/v1beta1'
            include = query.get('includeObject', ['Metadata'])[0]
            if 'items' in obj:
                items = [dict(i, kind=kind, apiVersion=obj['apiVersion']) for i in obj['items']]
                return k8sview.table(kind, items, obj['metadata']['resourceVersion'], include, api_version,
                                     obj['metadata'].get('continue'))
            return k8sview.table(kind, [obj], obj.get('metadata', {}).get('resourceVersion', ''), include, api_version)
        return obj

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch


class UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):
        conn, _ = self.socket.accept()
        return conn, ('unix', 0)


class TCPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def main():
    parser = argparse.ArgumentParser(description='Kubernetes API server stand-in for the nodeward lab')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--bind', default='127.0.0.1')
    parser.add_argument('--socket', required=True)
    parser.add_argument('--state-dir', required=True)
    parser.add_argument('--grace', type=float, default=8.0)
    parser.add_argument('--pidfile')
    parser.add_argument('--pdb-block', action='append', default=[], metavar='NAMESPACE/NAME')
    args = parser.parse_args()

    os.makedirs(args.state_dir, exist_ok=True)
    store = Store(args.state_dir, args.grace, args.pdb_block)
    Handler.api = Api(store)
    DISCOVERY['/api']['serverAddressByClientCIDRs'][0]['serverAddress'] = f'{args.bind}:{args.port}'

    tcp = TCPServer((args.bind, args.port), Handler)
    if os.path.exists(args.socket):
        os.unlink(args.socket)
    unix = UnixHTTPServer(args.socket, Handler)
    os.chmod(args.socket, 0o666)
    if args.pidfile:
        with open(args.pidfile, 'w') as f:
            f.write(f'{os.getpid()}\n')

    stop = threading.Event()
    for server in (tcp, unix):
        threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.5}, daemon=True).start()

    def on_signal(*_):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sys.stderr.write(f'apiserver: serving on http://{args.bind}:{args.port} and {args.socket} (grace {args.grace:g}s)\n')
    sys.stderr.flush()
    last_save = 0.0
    while not stop.wait(0.5):
        store.monitor()
        if time.monotonic() - last_save >= 1.0:
            store.save()
            last_save = time.monotonic()
    tcp.shutdown()
    unix.shutdown()
    store.dirty = True
    store.save()
    for path in (args.socket, args.pidfile):
        if path and os.path.exists(path):
            os.unlink(path)
    return 0


if __name__ == '__main__':
    sys.exit(main())
