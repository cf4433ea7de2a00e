"""The Azure Functions app: registers every blueprint (Python v2 programming model)."""

import azure.functions as func

from functions.api_blueprint import bp as api
from functions.queue_blueprint import bp as feedback
from functions.web_blueprint import bp as page

app = func.FunctionApp()
app.register_functions(api)
app.register_functions(feedback)
app.register_functions(page)
