"""FastAPI: the same `echo` the Mizan bench server declares.

`uvicorn app:app --port PORT` (bench/run adds the production flags).
"""

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class EchoInput(BaseModel):
    text: str


class EchoOutput(BaseModel):
    message: str


@app.post("/echo")
async def echo(body: EchoInput) -> EchoOutput:
    return EchoOutput(message=f"echo: {body.text}")
