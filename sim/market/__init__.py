"""An industry of organisations: investors, imitation of KPI policies, the AI vendor, the correction
(model brief 10.8). :func:`run_market` is the boundary function; :class:`MarketModel` the Mesa model."""

from sim.market.io import LoadedMarket, MarketError, load_market
from sim.market.model import MarketModel
from sim.market.run import MarketResult, run_market

__all__ = ["LoadedMarket", "MarketError", "MarketModel", "MarketResult", "load_market", "run_market"]
