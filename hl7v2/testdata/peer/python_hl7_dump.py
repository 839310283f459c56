import hl7, json, sys, glob, os
root = sys.argv[1]
def canon_field(f):
    if isinstance(f, str):
        return [[[f]]]
    reps = []
    for r in f:
        if isinstance(r, str):
            reps.append([[r]]); continue
        comps = []
        for c in r:
            if isinstance(c, str):
                comps.append([c]); continue
            comps.append([str(s) for s in c])
        reps.append(comps)
    return reps
out = {}
for path in sorted(glob.glob(os.path.join(root, '*', '*.hl7'))):
    rel = os.path.relpath(path, root)
    raw = open(path, 'rb').read()
    try:
        data = raw.decode('utf-8')
    except UnicodeDecodeError:
        data = raw.decode('latin-1')
    try:
        m = hl7.parse(data)
    except Exception as e:
        out[rel] = {"error": repr(e)}; continue
    segs = []
    for seg in m:
        name = str(seg[0])
        fields = []
        for i, f in enumerate(seg):
            if i == 0: continue
            if name == 'MSH' and i <= 2:
                fields.append(str(f)); continue
            fields.append(canon_field(f))
        segs.append([name, fields])
    out[rel] = {"segments": segs}
json.dump(out, sys.stdout)
