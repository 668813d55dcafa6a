"""The longest functions of a source tree, by an AST count.

"code" is the number of lines from ``def`` to the function's last line minus
its docstring; "total" includes the docstring.

    python benchmarks/function_lengths.py sklstm [--top 10]
"""

import argparse
import ast
from pathlib import Path


def lengths(root):
    """(code lines, total lines, "path:line name") of every function."""
    rows = []
    for path in sorted(Path(root).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                total = node.end_lineno - node.lineno + 1
                first = node.body[0]
                docstring = 0
                if isinstance(first, ast.Expr) and isinstance(
                    getattr(first.value, "value", None), str
                ):
                    docstring = first.end_lineno - first.lineno + 1
                rows.append(
                    (total - docstring, total, f"{path}:{node.lineno} {node.name}")
                )
    return sorted(rows, reverse=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("roots", nargs="+")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--limit", type=int, default=60)
    args = parser.parse_args()
    rows = [row for root in args.roots for row in lengths(root)]
    rows.sort(reverse=True)
    print("| code | total | function |")
    print("|---|---|---|")
    for code, total, where in rows[: args.top]:
        print(f"| {code} | {total} | `{where}` |")
    over = sum(code > args.limit for code, _, _ in rows)
    print(f"\n{over} of {len(rows)} functions have more than {args.limit} code lines.")


if __name__ == "__main__":
    main()
