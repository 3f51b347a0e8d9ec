"""How handlers reach the use cases: the services live in the application's bot_data."""

from telegram.ext import Application, ContextTypes

from core.services import Services

SERVICES = "services"


def services_of(context: ContextTypes.DEFAULT_TYPE) -> Services:
    """Return the use cases bound to this application."""
    return context.application.bot_data[SERVICES]


def attach(application: Application, services: Services) -> None:
    """Make the use cases available to every handler."""
    application.bot_data[SERVICES] = services
