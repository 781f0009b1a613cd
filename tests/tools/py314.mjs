// py314.mjs - runs tests/pyast_dump.py under Pyodide's CPython
// (3.14) on the files named on the command line, printing the same dump as
// the script would under a native CPython 3.14.  Used by py314.sh only.
//   node py314.mjs PYAST_DUMP FILE...
import { loadPyodide } from "pyodide";
import fs from "fs";

const [script, ...files] = process.argv.slice(2);
const py = await loadPyodide();
py.FS.writeFile("/pyast_dump.py", fs.readFileSync(script));
py.FS.mkdir("/in");
files.forEach((f, i) => py.FS.writeFile(`/in/${i}.py`, fs.readFileSync(f)));
py.globals.set("NAMES", py.toPy(files));
const out = py.runPython(`
import io, runpy, sys
sys.argv = ["pyast_dump.py"] + ["/in/%d.py" % i for i in range(len(NAMES))]
buf, old = io.StringIO(), sys.stdout
sys.stdout = buf
try:
    runpy.run_path("/pyast_dump.py", run_name="__main__")
except SystemExit:
    pass
finally:
    sys.stdout = old
text = buf.getvalue()
for i, name in enumerate(NAMES):
    text = text.replace("# /in/%d.py\\n" % i, "# %s\\n" % name, 1)
text
`);
process.stdout.write(out);
