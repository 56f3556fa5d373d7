"""Yearly costs of owned hardware: amortised capex, energy, support and space.

Each is a plain formula with its basis:
- amortisation: straight-line, (price − residual value) / years (the usual management-accounting
  depreciation; residual 0 unless economics.residual_value_fraction says otherwise);
- energy: nameplate W × draw share × PUE × 8,760 h × $/kWh / 1,000, the formula the TCO objective
  uses (solver.model.objective.energy_cents_per_watt, per year instead of per horizon);
- support: the contract the purchase order bought (procurement.support_years, priced by the
  catalog's support rule) spread over the horizon, renewed at the same yearly rate for any years
  of the horizon beyond it; without a contract on the order, a yearly share of the purchase
  price (economics.support_fraction_per_year);
- space: racks × $/rack/month × 12, only when a colocation price is given.
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.specs.economics import EconomicsSettings
from solver.specs.problem import TcoSettings

HOURS_PER_YEAR = 8760
MONTHS_PER_YEAR = 12


def amortised_usd_per_year(price_usd: float, years: float, residual_fraction: float) -> float:
    """Straight-line amortisation of a purchase over `years`, less what resale recovers."""
    return price_usd * (1 - residual_fraction) / years


def energy_usd_per_year(power_w: float, draw_fraction: float, pue: float, usd_per_kwh: float) -> float:
    """Electricity for nameplate `power_w` drawing `draw_fraction` of it on average, with the
    facility's overhead (PUE), for a year."""
    return power_w * draw_fraction * pue * HOURS_PER_YEAR * usd_per_kwh / 1000


def support_usd_per_year(price_usd: float, fraction_per_year: float) -> float:
    return price_usd * fraction_per_year


def space_usd_per_year(racks: int, usd_per_rack_per_month: float | None) -> float:
    return 0.0 if usd_per_rack_per_month is None else racks * usd_per_rack_per_month * MONTHS_PER_YEAR


@dataclass(frozen=True)
class OwnedCosts:
    """Yearly costs of owned hardware, by cause."""

    amortised: float
    energy: float
    support: float
    space: float

    @property
    def total(self) -> float:
        return self.amortised + self.energy + self.support + self.space

    @property
    def running(self) -> float:
        """What keeps costing while the hardware runs, once it is paid for: not the amortisation."""
        return self.energy + self.support + self.space


@dataclass(frozen=True)
class SupportContract:
    """The support a purchase order bought: its price (in the capex) and the years it covers."""

    usd: float
    years: int


def contract_support_usd_per_year(contract: SupportContract, horizon_years: float) -> float:
    """The contract's cost per year of the horizon: the contract itself, plus renewals at its
    own yearly rate for the years after it ends (a horizon shorter than the contract still pays
    all of it)."""
    renewed_years = max(0.0, horizon_years - contract.years)
    return (contract.usd + contract.usd / contract.years * renewed_years) / horizon_years


def owned_costs(capex_usd: float, power_w: float, racks: int, tco: TcoSettings, economics: EconomicsSettings, contract: SupportContract | None = None) -> OwnedCosts:
    """Yearly costs of hardware bought for `capex_usd` (which includes `contract`, if any)
    drawing up to `power_w` in `racks` racks."""
    if contract is not None and contract.usd > 0 and contract.years > 0:
        hardware_usd = capex_usd - contract.usd
        support = contract_support_usd_per_year(contract, tco.years)
    else:
        hardware_usd = capex_usd
        support = support_usd_per_year(capex_usd, economics.support_fraction_per_year)
    return OwnedCosts(
        amortised=amortised_usd_per_year(hardware_usd, tco.years, economics.residual_value_fraction),
        energy=energy_usd_per_year(power_w, tco.utilization, tco.pue, tco.electricity_usd_per_kwh),
        support=support,
        space=space_usd_per_year(racks, economics.space_usd_per_rack_per_month),
    )


def owned_gpu_hour_usd(server_price_usd: float, server_power_w: float, gpus: int, tco: TcoSettings, economics: EconomicsSettings) -> float:
    """What one GPU-hour of an owned server costs: its yearly costs (amortised price, energy,
    support; no space, which is per rack) over its GPUs' hours in a year."""
    costs = owned_costs(server_price_usd, server_power_w, 0, tco, economics)
    return costs.total / (gpus * HOURS_PER_YEAR)
