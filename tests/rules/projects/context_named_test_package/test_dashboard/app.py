# A service in a folder only named like a test folder, that nothing imports:
# uvicorn runs it (`test_dashboard.app:app`).  It makes the application at
# import, so it is product code, and so is what it imports.
from fastapi import FastAPI

from test_dashboard.queries import latest_runs

app = FastAPI()


@app.get("/runs")
def runs():
    return latest_runs()
