"""The town level of place names (issue 15): 20 hand-picked positions, what a person calls each,
and what camroll names them at TOWN_REACH_FACTOR 1, 2 and 3. Run: .venv/bin/python bench/place_levels.py"""

import time

from camroll import thresholds
from camroll.library.places import Geocoder

PROBES = {  # (lat, lon): what a person would call it
    "Kreuzberg": ((52.4997, 13.4034), "Berlin"),
    "Spandau": ((52.5357, 13.1976), "Berlin"),
    "Marzahn": ((52.5452, 13.5692), "Berlin"),
    "Potsdam": ((52.3989, 13.0657), "Potsdam"),
    "Alfama": ((38.7112, -9.1277), "Lisbon"),
    "Porto Ribeira": ((41.1408, -8.6131), "Porto"),
    "Gaia cellars": ((41.1372, -8.6140), "Porto or Vila Nova de Gaia"),
    "Montmartre": ((48.8867, 2.3431), "Paris"),
    "Versailles": ((48.8049, 2.1204), "Versailles"),
    "Boulogne-Billancourt": ((48.8352, 2.2409), "Boulogne-Billancourt or Paris"),
    "Brooklyn": ((40.6782, -73.9442), "New York City"),
    "Manhattan (Midtown)": ((40.7549, -73.9840), "New York City"),
    "Camden Town": ((51.5390, -0.1426), "London"),
    "Greenwich": ((51.4826, -0.0077), "London"),
    "Trastevere": ((41.8897, 12.4695), "Rome"),
    "Sintra": ((38.8029, -9.3817), "Sintra"),
    "Cascais": ((38.6979, -9.4215), "Cascais"),
    "Setubal": ((38.5244, -8.8882), "Setúbal"),
    "Oakland": ((37.8044, -122.2712), "Oakland"),
    "Shibuya": ((35.6595, 139.7005), "Tokyo"),
}
geo = Geocoder()
for factor in (1.0, 2.0, 3.0):
    thresholds.TOWN_REACH_FACTOR = factor
    geo._towns.clear()
    right = 0
    print(f"factor {factor}")
    for name, ((lat, lon), want) in PROBES.items():
        p = geo.place(lat, lon)
        ok = p is not None and p.town is not None and p.town in want
        right += ok
        print(
            f"  {name:22} city={p.city if p else None!s:24} town={p.town if p else None!s:22} want={want} {'ok' if ok else 'XX'}"
        )
    t = time.perf_counter()
    n = len(geo._places)
    moved = sum(geo.town_of(i) != i for i in range(0, n, 10))
    dt = time.perf_counter() - t
    print(
        f"  {right}/{len(PROBES)} probes right; {moved}/{(n + 9) // 10} sampled GeoNames entries renamed to a larger place; {dt / ((n + 9) // 10) * 1e3:.2f} ms each"
    )
