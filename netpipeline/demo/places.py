"""Trial sites of the demo universe: real hospitals in real cities with the cities' coordinates.

Coordinates are the city centroids ClinicalTrials.gov attaches to `geoPoint` (GeoNames), so
several sites in one city share a point, as in real records. `state` is None where the API
usually leaves it out (many European and Asian sites).
"""
from __future__ import annotations

from typing import NamedTuple


class City(NamedTuple):
    city: str
    state: str | None
    country: str
    lat: float
    lon: float


class Site(NamedTuple):
    facility: str
    city_key: str
    zip: str | None
    region: str  # "US", "EU" (Europe, incl. UK) , "ASIA" (Asia-Pacific), "AM" (other Americas)


CITIES: dict[str, City] = {
    "boston": City("Boston", "Massachusetts", "United States", 42.35843, -71.05977),
    "new_york": City("New York", "New York", "United States", 40.71427, -74.00597),
    "houston": City("Houston", "Texas", "United States", 29.76328, -95.36327),
    "rochester_mn": City("Rochester", "Minnesota", "United States", 44.02163, -92.4699),
    "scottsdale": City("Scottsdale", "Arizona", "United States", 33.50921, -111.89903),
    "jacksonville": City("Jacksonville", "Florida", "United States", 30.33218, -81.65565),
    "san_francisco": City("San Francisco", "California", "United States", 37.77493, -122.41942),
    "los_angeles": City("Los Angeles", "California", "United States", 34.05223, -118.24368),
    "santa_monica": City("Santa Monica", "California", "United States", 34.01949, -118.49138),
    "palo_alto": City("Palo Alto", "California", "United States", 37.44188, -122.14302),
    "duarte": City("Duarte", "California", "United States", 34.13945, -117.97729),
    "la_jolla": City("La Jolla", "California", "United States", 32.84727, -117.2742),
    "sacramento": City("Sacramento", "California", "United States", 38.58157, -121.4944),
    "tampa": City("Tampa", "Florida", "United States", 27.94752, -82.45843),
    "miami": City("Miami", "Florida", "United States", 25.77427, -80.19366),
    "iowa_city": City("Iowa City", "Iowa", "United States", 41.66113, -91.53017),
    "philadelphia": City("Philadelphia", "Pennsylvania", "United States", 39.95233, -75.16379),
    "pittsburgh": City("Pittsburgh", "Pennsylvania", "United States", 40.44062, -79.99589),
    "baltimore": City("Baltimore", "Maryland", "United States", 39.29038, -76.61219),
    "bethesda": City("Bethesda", "Maryland", "United States", 38.98067, -77.10026),
    "nashville": City("Nashville", "Tennessee", "United States", 36.16589, -86.78444),
    "columbus": City("Columbus", "Ohio", "United States", 39.96118, -82.99879),
    "cleveland": City("Cleveland", "Ohio", "United States", 41.4995, -81.69541),
    "ann_arbor": City("Ann Arbor", "Michigan", "United States", 42.27756, -83.74088),
    "durham": City("Durham", "North Carolina", "United States", 35.99403, -78.89862),
    "atlanta": City("Atlanta", "Georgia", "United States", 33.749, -84.38798),
    "aurora": City("Aurora", "Colorado", "United States", 39.72943, -104.83192),
    "salt_lake_city": City("Salt Lake City", "Utah", "United States", 40.76078, -111.89105),
    "seattle": City("Seattle", "Washington", "United States", 47.60621, -122.33207),
    "chicago": City("Chicago", "Illinois", "United States", 41.85003, -87.65005),
    "st_louis": City("Saint Louis", "Missouri", "United States", 38.62727, -90.19789),
    "dallas": City("Dallas", "Texas", "United States", 32.78306, -96.80667),
    "new_orleans": City("New Orleans", "Louisiana", "United States", 29.95465, -90.07507),
    "portland": City("Portland", "Oregon", "United States", 45.52345, -122.67621),
    "omaha": City("Omaha", "Nebraska", "United States", 41.25626, -95.94043),
    "charlottesville": City("Charlottesville", "Virginia", "United States", 38.02931, -78.47668),
    "indianapolis": City("Indianapolis", "Indiana", "United States", 39.76838, -86.15804),
    "minneapolis": City("Minneapolis", "Minnesota", "United States", 44.97997, -93.26384),
    "buffalo": City("Buffalo", "New York", "United States", 42.88645, -78.87837),
    "toronto": City("Toronto", "Ontario", "Canada", 43.70643, -79.39864),
    "montreal": City("Montreal", "Quebec", "Canada", 45.50884, -73.58781),
    "vancouver": City("Vancouver", "British Columbia", "Canada", 49.24966, -123.11934),
    "quebec": City("Québec", "Quebec", "Canada", 46.81228, -71.21454),
    "mexico_city": City("Mexico City", None, "Mexico", 19.42847, -99.12766),
    "lyon": City("Lyon", None, "France", 45.74906, 4.84789),
    "villejuif": City("Villejuif", None, "France", 48.7939, 2.35992),
    "clichy": City("Clichy", None, "France", 48.90018, 2.30952),
    "paris": City("Paris", None, "France", 48.85341, 2.3488),
    "marseille": City("Marseille", None, "France", 43.29695, 5.38107),
    "toulouse": City("Toulouse", None, "France", 43.60426, 1.44367),
    "bordeaux": City("Bordeaux", None, "France", 44.84044, -0.5805),
    "lille": City("Lille", None, "France", 50.63391, 3.05512),
    "berlin": City("Berlin", None, "Germany", 52.52437, 13.41053),
    "bad_berka": City("Bad Berka", "Thuringia", "Germany", 50.89982, 11.28245),
    "essen": City("Essen", None, "Germany", 51.45657, 7.01228),
    "munich": City("München", "Bayern", "Germany", 48.13743, 11.57549),
    "hamburg": City("Hamburg", None, "Germany", 53.57532, 10.01534),
    "heidelberg": City("Heidelberg", None, "Germany", 49.40768, 8.69079),
    "marburg": City("Marburg", None, "Germany", 50.80904, 8.77069),
    "uppsala": City("Uppsala", None, "Sweden", 59.85882, 17.63889),
    "copenhagen": City("Copenhagen", None, "Denmark", 55.67594, 12.56553),
    "oslo": City("Oslo", None, "Norway", 59.91273, 10.74609),
    "rotterdam": City("Rotterdam", None, "Netherlands", 51.9225, 4.47917),
    "amsterdam": City("Amsterdam", None, "Netherlands", 52.37403, 4.88969),
    "leuven": City("Leuven", None, "Belgium", 50.87959, 4.70093),
    "brussels": City("Brussels", None, "Belgium", 50.85045, 4.34878),
    "london": City("London", None, "United Kingdom", 51.50853, -0.12574),
    "manchester": City("Manchester", None, "United Kingdom", 53.48095, -2.23743),
    "glasgow": City("Glasgow", None, "United Kingdom", 55.86515, -4.25763),
    "birmingham_uk": City("Birmingham", None, "United Kingdom", 52.48142, -1.89983),
    "dublin": City("Dublin", None, "Ireland", 53.33306, -6.24889),
    "milan": City("Milan", None, "Italy", 45.46427, 9.18951),
    "bologna": City("Bologna", None, "Italy", 44.49381, 11.33875),
    "rome": City("Rome", None, "Italy", 41.89193, 12.51133),
    "madrid": City("Madrid", None, "Spain", 40.4165, -3.70256),
    "barcelona": City("Barcelona", None, "Spain", 41.38879, 2.15899),
    "pamplona": City("Pamplona", None, "Spain", 42.81687, -1.64323),
    "vienna": City("Vienna", None, "Austria", 48.20849, 16.37208),
    "basel": City("Basel", None, "Switzerland", 47.55839, 7.57327),
    "zurich": City("Zurich", None, "Switzerland", 47.36667, 8.55),
    "kashiwa": City("Kashiwa", "Chiba", "Japan", 35.86224, 139.97732),
    "tokyo": City("Tokyo", None, "Japan", 35.6895, 139.69171),
    "seoul": City("Seoul", None, "Korea, Republic of", 37.566, 126.9784),
    "shanghai": City("Shanghai", "Shanghai Municipality", "China", 31.22222, 121.45806),
    "beijing": City("Beijing", "Beijing Municipality", "China", 39.9075, 116.39723),
    "guangzhou": City("Guangzhou", "Guangdong", "China", 23.11667, 113.25),
    "hangzhou": City("Hangzhou", "Zhejiang", "China", 30.29365, 120.16142),
    "singapore": City("Singapore", None, "Singapore", 1.28967, 103.85007),
    "taipei": City("Taipei", None, "Taiwan", 25.04776, 121.53185),
    "hong_kong": City("Hong Kong", None, "Hong Kong", 22.27832, 114.17469),
    "melbourne": City("Melbourne", "Victoria", "Australia", -37.814, 144.96332),
    "sydney": City("Sydney", "New South Wales", "Australia", -33.86785, 151.20732),
    "mumbai": City("Mumbai", "Maharashtra", "India", 19.07283, 72.88261),
}

SITES: dict[str, Site] = {
    # United States
    "dfci": Site("Dana-Farber Cancer Institute", "boston", "02215", "US"),
    "mgh": Site("Massachusetts General Hospital Cancer Center", "boston", "02114", "US"),
    "mskcc": Site("Memorial Sloan Kettering Cancer Center", "new_york", "10065", "US"),
    "nyu": Site("NYU Langone Hospitals", "new_york", "10016", "US"),
    "mdacc": Site("M D Anderson Cancer Center", "houston", "77030", "US"),
    "mayo_mn": Site("Mayo Clinic", "rochester_mn", "55905", "US"),
    "mayo_az": Site("Mayo Clinic in Arizona", "scottsdale", "85259", "US"),
    "mayo_fl": Site("Mayo Clinic in Florida", "jacksonville", "32224-9980", "US"),
    "ucsf": Site("UCSF Medical Center-Mission Bay", "san_francisco", "94158", "US"),
    "ucla": Site("UCLA / Jonsson Comprehensive Cancer Center", "los_angeles", "90095", "US"),
    "ucla_sm": Site("UCLA Santa Monica Medical Center", "santa_monica", "90404", "US"),
    "cedars": Site("Cedars Sinai Medical Center", "los_angeles", "90048", "US"),
    "stanford": Site("Stanford Cancer Institute Palo Alto", "palo_alto", "94304", "US"),
    "coh": Site("City of Hope Comprehensive Cancer Center", "duarte", "91010", "US"),
    "ucsd": Site("UC San Diego Moores Cancer Center", "la_jolla", "92093", "US"),
    "ucdavis": Site("University of California Davis Comprehensive Cancer Center", "sacramento", "95817", "US"),
    "moffitt": Site("Moffitt Cancer Center", "tampa", "33612", "US"),
    "miami": Site("University of Miami Miller School of Medicine-Sylvester Cancer Center", "miami", "33136", "US"),
    "iowa": Site("University of Iowa/Holden Comprehensive Cancer Center", "iowa_city", "52242", "US"),
    "penn": Site("University of Pennsylvania/Abramson Cancer Center", "philadelphia", "19104", "US"),
    "fox_chase": Site("Fox Chase Cancer Center", "philadelphia", "19111", "US"),
    "upmc": Site("UPMC-Shadyside Hospital", "pittsburgh", "15232", "US"),
    "jhu": Site("Johns Hopkins University/Sidney Kimmel Cancer Center", "baltimore", "21287", "US"),
    "nih_cc": Site("National Institutes of Health Clinical Center", "bethesda", "20892", "US"),
    "vanderbilt": Site("Vanderbilt University/Ingram Cancer Center", "nashville", "37232", "US"),
    "osu": Site("Ohio State University Comprehensive Cancer Center", "columbus", "43210", "US"),
    "ccf": Site("Cleveland Clinic Foundation", "cleveland", "44195", "US"),
    "umich": Site("University of Michigan Rogel Cancer Center", "ann_arbor", "48109", "US"),
    "duke": Site("Duke University Medical Center", "durham", "27710", "US"),
    "emory": Site("Emory University Hospital/Winship Cancer Institute", "atlanta", "30322", "US"),
    "ucolorado": Site("University of Colorado Hospital", "aurora", "80045", "US"),
    "huntsman": Site("Huntsman Cancer Institute/University of Utah", "salt_lake_city", "84112", "US"),
    "fred_hutch": Site("Fred Hutch/University of Washington Cancer Consortium", "seattle", "98109", "US"),
    "northwestern": Site("Northwestern University", "chicago", "60611", "US"),
    "uchicago": Site("University of Chicago Comprehensive Cancer Center", "chicago", "60637", "US"),
    "washu": Site("Washington University School of Medicine", "st_louis", "63110", "US"),
    "utsw": Site("UT Southwestern/Simmons Cancer Center-Dallas", "dallas", "75390", "US"),
    "ochsner": Site("Ochsner Medical Center Jefferson", "new_orleans", "70121", "US"),
    "ohsu": Site("OHSU Knight Cancer Institute", "portland", "97239", "US"),
    "unmc": Site("University of Nebraska Medical Center", "omaha", "68198", "US"),
    "uva": Site("University of Virginia Cancer Center", "charlottesville", "22908", "US"),
    "iu": Site("Indiana University/Melvin and Bren Simon Cancer Center", "indianapolis", "46202", "US"),
    "umn": Site("University of Minnesota/Masonic Cancer Center", "minneapolis", "55455", "US"),
    "roswell": Site("Roswell Park Cancer Institute", "buffalo", "14263", "US"),
    # Canada and Mexico
    "pmcc": Site("Princess Margaret Cancer Centre", "toronto", "M5G 2M9", "AM"),
    "odette": Site("Odette Cancer Centre- Sunnybrook Health Sciences Centre", "toronto", "M4N 3M5", "AM"),
    "chum": Site("Centre Hospitalier de l'Université de Montréal (CHUM)", "montreal", "H2X 0A9", "AM"),
    "bc_cancer": Site("BC Cancer Agency - Vancouver", "vancouver", "V5Z 4E6", "AM"),
    "chu_quebec": Site("CHU de Québec-Université Laval", "quebec", "G1R 2J6", "AM"),
    "incan": Site("Instituto Nacional de Cancerologia", "mexico_city", "14080", "AM"),
    # Europe
    "clb": Site("Centre Léon Bérard", "lyon", "69008", "EU"),
    "hcl": Site("Hôpital Edouard Herriot - Hospices Civils de Lyon", "lyon", "69003", "EU"),
    "gustave": Site("Gustave Roussy", "villejuif", "94805", "EU"),
    "beaujon": Site("Hôpital Beaujon", "clichy", "92110", "EU"),
    "hegp": Site("Hôpital Européen Georges Pompidou", "paris", "75015", "EU"),
    "ipc": Site("Institut Paoli-Calmettes", "marseille", "13009", "EU"),
    "iuct": Site("IUCT Oncopole", "toulouse", "31059", "EU"),
    "bergonie": Site("Institut Bergonié", "bordeaux", "33076", "EU"),
    "chu_lille": Site("CHU de Lille", "lille", "59037", "EU"),
    "charite": Site("Charité - Universitätsmedizin Berlin", "berlin", "13353", "EU"),
    "bad_berka": Site("Zentralklinik Bad Berka", "bad_berka", "99437", "EU"),
    "essen": Site("Universitätsklinikum Essen", "essen", "45147", "EU"),
    "lmu": Site("LMU Klinikum der Universität München", "munich", "81377", "EU"),
    "uke": Site("Universitätsklinikum Hamburg-Eppendorf", "hamburg", "20246", "EU"),
    "heidelberg": Site("Universitätsklinikum Heidelberg", "heidelberg", "69120", "EU"),
    "marburg": Site("Universitätsklinikum Marburg", "marburg", "35043", "EU"),
    "uppsala": Site("Uppsala University Hospital", "uppsala", "751 85", "EU"),
    "rigshospitalet": Site("Rigshospitalet", "copenhagen", "2100", "EU"),
    "oslo": Site("Oslo University Hospital", "oslo", "0424", "EU"),
    "erasmus": Site("Erasmus MC", "rotterdam", "3015 GD", "EU"),
    "nki": Site("Netherlands Cancer Institute", "amsterdam", "1066 CX", "EU"),
    "uz_leuven": Site("UZ Leuven", "leuven", "3000", "EU"),
    "saint_luc": Site("Cliniques universitaires Saint-Luc", "brussels", "1200", "EU"),
    "royal_free": Site("Royal Free Hospital", "london", "NW3 2QG", "EU"),
    "christie": Site("The Christie NHS Foundation Trust", "manchester", "M20 4BX", "EU"),
    "beatson": Site("Beatson West of Scotland Cancer Centre", "glasgow", "G12 0YN", "EU"),
    "qeh": Site("Queen Elizabeth Hospital Birmingham", "birmingham_uk", "B15 2TH", "EU"),
    "st_vincents": Site("St Vincent's University Hospital", "dublin", "D04 T6F4", "EU"),
    "ieo": Site("Istituto Europeo di Oncologia", "milan", "20141", "EU"),
    "int_milano": Site("Fondazione IRCCS Istituto Nazionale dei Tumori", "milan", "20133", "EU"),
    "bologna": Site("IRCCS Azienda Ospedaliero-Universitaria di Bologna", "bologna", "40138", "EU"),
    "gemelli": Site("Fondazione Policlinico Universitario Agostino Gemelli IRCCS", "rome", "00168", "EU"),
    "doce_octubre": Site("Hospital Universitario 12 de Octubre", "madrid", "28041", "EU"),
    "vhio": Site("Vall d'Hebron Institute of Oncology", "barcelona", "08035", "EU"),
    "navarra": Site("Clínica Universidad de Navarra", "pamplona", "31008", "EU"),
    "meduni_wien": Site("Medizinische Universität Wien", "vienna", "1090", "EU"),
    "basel": Site("Universitätsspital Basel", "basel", "4031", "EU"),
    "usz": Site("UniversitätsSpital Zürich", "zurich", "8091", "EU"),
    # Asia-Pacific
    "ncc_east": Site("National Cancer Center Hospital East", "kashiwa", "277-8577", "ASIA"),
    "ncc_tokyo": Site("National Cancer Center Hospital", "tokyo", "104-0045", "ASIA"),
    "asan": Site("Asan Medical Center", "seoul", "05505", "ASIA"),
    "samsung": Site("Samsung Medical Center", "seoul", "06351", "ASIA"),
    "snuh": Site("Seoul National University Hospital", "seoul", "03080", "ASIA"),
    "fudan": Site("Fudan University Shanghai Cancer Center", "shanghai", "200032", "ASIA"),
    "pumch": Site("Peking Union Medical College Hospital", "beijing", "100730", "ASIA"),
    "sysucc": Site("Sun Yat-sen University Cancer Center", "guangzhou", "510060", "ASIA"),
    "srrsh": Site("Sir Run Run Shaw Hospital", "hangzhou", "310016", "ASIA"),
    "nccs": Site("National Cancer Centre Singapore", "singapore", "169610", "ASIA"),
    "ntuh": Site("National Taiwan University Hospital", "taipei", "100", "ASIA"),
    "qmh": Site("Queen Mary Hospital", "hong_kong", None, "ASIA"),
    "peter_mac": Site("Peter MacCallum Cancer Centre", "melbourne", "3000", "ASIA"),
    "rnsh": Site("Royal North Shore Hospital", "sydney", "2065", "ASIA"),
    "tata": Site("Tata Memorial Hospital", "mumbai", "400012", "ASIA"),
}


def sites_in_regions(regions: tuple[str, ...]) -> list[str]:
    """Site keys in the given regions, in a fixed (dictionary-definition) order."""
    return [key for key, site in SITES.items() if site.region in regions]


def api_order_key(site_key: str) -> tuple:
    """The order ClinicalTrials.gov lists locations in: US first by state and city, then by country."""
    site = SITES[site_key]
    city = CITIES[site.city_key]
    is_us = city.country == "United States"
    return (0 if is_us else 1, city.country, city.state or "", city.city, site.facility)
