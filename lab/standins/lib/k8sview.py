"""What the API server prints and filters: Table rows as kube-apiserver's printers build them,
label and field selectors, and HumanDuration ages."""

import calendar
import re
import time


def parse_time(stamp):
    try:
        return calendar.timegm(time.strptime(stamp[:19], '%Y-%m-%dT%H:%M:%S'))
    except (TypeError, ValueError):
        return None


def human_duration(seconds):
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    s = int(seconds)
    if s < -1:
        return '<invalid>'
    if s < 0:
        return '0s'
    if s < 120:
        return f'{s}s'
    minutes = s // 60
    if minutes < 10:
        return f'{minutes}m' if s % 60 == 0 else f'{minutes}m{s % 60}s'
    if minutes < 180:
        return f'{minutes}m'
    hours = s // 3600
    if hours < 8:
        return f'{hours}h' if minutes % 60 == 0 else f'{hours}h{minutes % 60}m'
    if hours < 48:
        return f'{hours}h'
    if hours < 24 * 8:
        return f'{hours // 24}d' if hours % 24 == 0 else f'{hours // 24}d{hours % 24}h'
    if hours < 24 * 365 * 2:
        return f'{hours // 24}d'
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f'{hours // 24 // 365}y' if days == 0 else f'{hours // 24 // 365}y{days}d'
    return f'{hours // 24 // 365}y'


def age(obj, now):
    created = parse_time(obj.get('metadata', {}).get('creationTimestamp'))
    return '<unknown>' if created is None else human_duration(now - created)


NAME_DOC = ('Name must be unique within a namespace. Is required when creating resources, although some resources '
            'may allow a client to request the generation of an appropriate name automatically. Name is primarily '
            'intended for creation idempotence and configuration definition. Cannot be updated. More info: '
            'https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names')
CREATED_DOC = ('CreationTimestamp is a timestamp representing the server time when this object was created. It is not '
               'guaranteed to be set in happens-before order across separate operations. Clients may not set this '
               'value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null '
               'for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata')


def col(name, description='', priority=0, fmt=''):
    return {'name': name, 'type': 'string', 'format': fmt, 'description': description, 'priority': priority}


NODE_COLUMNS = [
    col('Name', NAME_DOC, fmt='name'), col('Status', 'The status of the node'), col('Roles', 'The roles of the node'),
    col('Age', CREATED_DOC), col('Version', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'List of addresses reachable to the node.', 1),
    col('External-IP', 'List of addresses reachable to the node.', 1),
    col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    col('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
    col('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
]
POD_COLUMNS = [
    col('Name', NAME_DOC, fmt='name'),
    col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    col('Age', CREATED_DOC),
    col('IP', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
    col('Node', 'NodeName indicates in which node this pod is scheduled.', 1),
    col('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', 1),
    col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
]
NAMESPACE_COLUMNS = [col('Name', NAME_DOC, fmt='name'), col('Status', 'The status of the namespace'), col('Age', CREATED_DOC)]
DEFAULT_COLUMNS = [col('Name', NAME_DOC, fmt='name'), {'name': 'Created At', 'type': 'date', 'format': '',
                                                        'description': CREATED_DOC, 'priority': 0}]


def node_cells(node, now):
    conds = {c.get('type'): c for c in node.get('status', {}).get('conditions', [])}
    status = []
    if 'Ready' in conds:
        status.append('Ready' if conds['Ready'].get('status') == 'True' else 'NotReady')
    if not status:
        status.append('Unknown')
    if node.get('spec', {}).get('unschedulable'):
        status.append('SchedulingDisabled')
    labels = node.get('metadata', {}).get('labels', {})
    roles = sorted({k.split('/', 1)[1] for k in labels if k.startswith('node-role.kubernetes.io/') and k.split('/', 1)[1]}
                   | ({labels['kubernetes.io/role']} if labels.get('kubernetes.io/role') else set()))
    addresses = node.get('status', {}).get('addresses', [])

    def addr(kind):
        return next((a.get('address') for a in addresses if a.get('type') == kind), '<none>')
    info = node.get('status', {}).get('nodeInfo', {})
    return [node['metadata']['name'], ','.join(status), ','.join(roles) or '<none>', age(node, now),
            info.get('kubeletVersion', ''), addr('InternalIP'), addr('ExternalIP'),
            info.get('osImage') or '<unknown>', info.get('kernelVersion') or '<unknown>',
            info.get('containerRuntimeVersion') or '<unknown>']


def pod_cells(pod, now):
    statuses = pod.get('status', {}).get('containerStatuses', [])
    total = len(pod.get('spec', {}).get('containers', []))
    ready = sum(1 for s in statuses if s.get('ready'))
    restarts = sum(s.get('restartCount', 0) for s in statuses)
    reason = pod.get('status', {}).get('reason') or pod.get('status', {}).get('phase', 'Unknown')
    if pod.get('metadata', {}).get('deletionTimestamp'):
        reason = 'Unknown' if reason == 'NodeLost' else 'Terminating'
    return [pod['metadata']['name'], f'{ready}/{total}', reason, str(restarts), age(pod, now),
            pod.get('status', {}).get('podIP') or '<none>', pod.get('spec', {}).get('nodeName') or '<none>',
            pod.get('status', {}).get('nominatedNodeName') or '<none>', '<none>']


def namespace_cells(ns, now):
    return [ns['metadata']['name'], ns.get('status', {}).get('phase', 'Active'), age(ns, now)]


def default_cells(obj, _now):
    return [obj['metadata']['name'], obj['metadata'].get('creationTimestamp')]


PRINTERS = {'Node': (NODE_COLUMNS, node_cells), 'Pod': (POD_COLUMNS, pod_cells),
            'Namespace': (NAMESPACE_COLUMNS, namespace_cells)}


def table(kind, objects, resource_version, include='Metadata', api_version='meta.k8s.io/v1', cont=None):
    columns, cells = PRINTERS.get(kind, (DEFAULT_COLUMNS, default_cells))
    now = time.time()
    rows = []
    for obj in objects:
        row = {'cells': cells(obj, now)}
        if include == 'Object':
            row['object'] = obj
        elif include != 'None':
            row['object'] = {'kind': 'PartialObjectMetadata', 'apiVersion': api_version, 'metadata': obj['metadata']}
        rows.append(row)
    meta = {'resourceVersion': resource_version}
    if cont:
        meta['continue'] = cont
    return {'kind': 'Table', 'apiVersion': api_version, 'metadata': meta, 'columnDefinitions': columns, 'rows': rows}


# --- selectors -------------------------------------------------------------------------------

class SelectorError(Exception):
    pass


_SET_RE = re.compile(r'^\s*([A-Za-z0-9./_-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$')


def _split_top(text):
    parts, depth, cur = [], 0, ''
    for ch in text:
        if ch == '(':
            depth += 1
        elif ch == ')':
            depth -= 1
        if ch == ',' and depth == 0:
            parts.append(cur)
            cur = ''
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def label_matcher(selector):
    """Parses a label selector; returns a predicate over a labels dict."""
    tests = []
    for term in _split_top(selector or ''):
        term = term.strip()
        m = _SET_RE.match(term)
        if m:
            key, op, values = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(',') if v.strip()}
            tests.append((lambda l, k=key, vs=values: l.get(k) in vs) if op == 'in'
                         else (lambda l, k=key, vs=values: l.get(k) not in vs))
        elif '!=' in term:
            key, value = (s.strip() for s in term.split('!=', 1))
            tests.append(lambda l, k=key, v=value: l.get(k) != v)
        elif '=' in term:
            key, value = (s.strip() for s in term.replace('==', '=').split('=', 1))
            tests.append(lambda l, k=key, v=value: l.get(k) == v)
        elif term.startswith('!'):
            tests.append(lambda l, k=term[1:].strip(): k not in l)
        elif re.fullmatch(r'[A-Za-z0-9./_-]+', term):
            tests.append(lambda l, k=term: k in l)
        else:
            raise SelectorError(f'unable to parse requirement: {term}')
    return lambda labels: all(t(labels or {}) for t in tests)


NODE_FIELDS = {'metadata.name': lambda o: o['metadata']['name'],
               'spec.unschedulable': lambda o: 'true' if o.get('spec', {}).get('unschedulable') else 'false'}
POD_FIELDS = {
    'metadata.name': lambda o: o['metadata']['name'],
    'metadata.namespace': lambda o: o['metadata'].get('namespace', ''),
    'spec.nodeName': lambda o: o.get('spec', {}).get('nodeName', ''),
    'spec.restartPolicy': lambda o: o.get('spec', {}).get('restartPolicy', ''),
    'spec.schedulerName': lambda o: o.get('spec', {}).get('schedulerName', ''),
    'spec.serviceAccountName': lambda o: o.get('spec', {}).get('serviceAccountName', ''),
    'spec.hostNetwork': lambda o: 'true' if o.get('spec', {}).get('hostNetwork') else 'false',
    'status.phase': lambda o: o.get('status', {}).get('phase', ''),
    'status.podIP': lambda o: o.get('status', {}).get('podIP', ''),
    'status.nominatedNodeName': lambda o: o.get('status', {}).get('nominatedNodeName', ''),
}
GENERIC_FIELDS = {'metadata.name': lambda o: o['metadata']['name'],
                  'metadata.namespace': lambda o: o['metadata'].get('namespace', '')}
FIELDS = {'Node': NODE_FIELDS, 'Pod': POD_FIELDS}


def field_matcher(kind, selector):
    tests = []
    fields = FIELDS.get(kind, GENERIC_FIELDS)
    for term in (selector or '').split(','):
        term = term.strip()
        if not term:
            continue
        if '!=' in term:
            key, value, negate = *term.split('!=', 1), True
        elif '=' in term:
            key, value, negate = *term.replace('==', '=').split('=', 1), False
        else:
            raise SelectorError(f'invalid selector: \'{selector}\'; can\'t understand \'{term}\'')
        key = key.strip()
        if key not in fields:
            raise SelectorError(f'field label not supported: {key}')
        tests.append((fields[key], value.strip(), negate))
    return lambda obj: all((get(obj) != value) if negate else (get(obj) == value) for get, value, negate in tests)
