# error: line 4
def route(event):
    match event:
        case {"type": "refund", **_}:
            return 1
