"""The three PATCH flavours the Kubernetes API accepts: JSON merge patch (RFC 7386), strategic
merge patch (the subset Nodes and Pods need) and JSON patch (RFC 6902)."""

import copy


class PatchError(Exception):
    """Raised with a message; the caller turns it into a 422/400 Status."""


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# patchMergeKey of the list fields in core/v1 Node and Pod (k8s.io/api/core/v1/types.go).
MERGE_KEYS = {
    'conditions': 'type', 'addresses': 'type', 'containers': 'name', 'initContainers': 'name',
    'ephemeralContainers': 'name', 'volumes': 'name', 'ownerReferences': 'uid', 'env': 'name',
    'volumeMounts': 'mountPath', 'ports': 'containerPort', 'imagePullSecrets': 'name',
    'containerStatuses': 'name', 'hostAliases': 'ip', 'podIPs': 'ip',
}
MERGE_PRIMITIVE_LISTS = {'finalizers'}


def strategic_merge_patch(target, patch):
    return _smp(copy.deepcopy(target), patch)


def _smp(original, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(original, dict):
        original = {}
    directive = patch.get('$patch')
    if directive == 'replace':
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != '$patch'}
    if directive == 'delete':
        return None
    retain = patch.get('$retainKeys')
    for key, value in patch.items():
        if key in ('$patch', '$retainKeys') or key.startswith('$setElementOrder/'):
            continue
        if key.startswith('$deleteFromPrimitiveList/'):
            field = key.split('/', 1)[1]
            if isinstance(original.get(field), list):
                original[field] = [v for v in original[field] if v not in value]
            continue
        if value is None:
            original.pop(key, None)
        elif isinstance(value, list) and key in MERGE_KEYS and isinstance(original.get(key), list):
            original[key] = _merge_list(original[key], value, MERGE_KEYS[key])
        elif isinstance(value, list) and key in MERGE_PRIMITIVE_LISTS and isinstance(original.get(key), list):
            original[key] = original[key] + [v for v in value if v not in original[key]]
        elif isinstance(value, dict):
            merged = _smp(original.get(key), value)
            if merged is None:
                original.pop(key, None)
            else:
                original[key] = merged
        else:
            original[key] = copy.deepcopy(value)
    if isinstance(retain, list):
        original = {k: v for k, v in original.items() if k in retain}
    return original


def _merge_list(original, patch, key):
    result = [copy.deepcopy(item) for item in original]
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            if isinstance(item, dict) and item.get('$patch') == 'replace':
                return [i for i in patch if i is not item]
            raise PatchError(f'map: {item} does not contain declared merge key: {key}')
        index = next((i for i, cur in enumerate(result) if isinstance(cur, dict) and cur.get(key) == item[key]), None)
        if item.get('$patch') == 'delete':
            if index is not None:
                result.pop(index)
            continue
        if index is None:
            result.append(_smp({}, item))
        else:
            result[index] = _smp(result[index], item)
    return result


def _pointer(path):
    if path == '':
        return []
    if not path.startswith('/'):
        raise PatchError(f'invalid JSON pointer: {path!r}')
    return [p.replace('~1', '/').replace('~0', '~') for p in path[1:].split('/')]


def _walk(doc, parts, op):
    cur = doc
    for part in parts[:-1]:
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            raise PatchError(f'{op} operation does not apply: doc is missing path: "/{"/".join(parts)}": missing value')
    return cur


def json_patch(target, operations):
    if not isinstance(operations, list):
        raise PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch')
    doc = copy.deepcopy(target)
    for op in operations:
        kind = op.get('op')
        parts = _pointer(op.get('path', ''))
        if kind in ('move', 'copy'):
            value = _get(doc, _pointer(op.get('from', '')), kind)
            if kind == 'move':
                _remove(doc, _pointer(op['from']))
            doc = _add(doc, parts, copy.deepcopy(value))
        elif kind == 'add':
            doc = _add(doc, parts, copy.deepcopy(op.get('value')))
        elif kind == 'remove':
            _remove(doc, parts)
        elif kind == 'replace':
            _get(doc, parts, 'replace')
            if not parts:
                doc = copy.deepcopy(op.get('value'))
            else:
                parent = _walk(doc, parts, 'replace')
                key = parts[-1]
                parent[int(key) if isinstance(parent, list) else key] = copy.deepcopy(op.get('value'))
        elif kind == 'test':
            if _get(doc, parts, 'test') != op.get('value'):
                raise PatchError(f'testing value /{"/".join(parts)} failed: test failed')
        else:
            raise PatchError(f'Unexpected kind: {kind}')
    return doc


def _get(doc, parts, op):
    cur = doc
    for part in parts:
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            raise PatchError(f'{op} operation does not apply: doc is missing path: "/{"/".join(parts)}": missing value')
    return cur


def _add(doc, parts, value):
    if not parts:
        return value
    parent = _walk(doc, parts, 'add')
    key = parts[-1]
    if isinstance(parent, list):
        if key == '-':
            parent.append(value)
        elif key.isdigit() and int(key) <= len(parent):
            parent.insert(int(key), value)
        else:
            raise PatchError(f'add operation does not apply: index out of range: {key}')
    elif isinstance(parent, dict):
        parent[key] = value
    else:
        raise PatchError('add operation does not apply: parent is not a container')
    return doc


def _remove(doc, parts):
    _get(doc, parts, 'remove')
    parent = _walk(doc, parts, 'remove')
    key = parts[-1]
    if isinstance(parent, list):
        parent.pop(int(key))
    else:
        del parent[key]
