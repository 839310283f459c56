package simulate

import "time"

// medDef is a medication as the pharmacy builds its orders.
type medDef struct {
	name     string  // product as ordered, the order's text
	rx       concept // RxNorm ingredient, when known
	dose     float64 // adult dose (maximum for children)
	unit     string  // dose unit as shown
	route    string
	freq     string  // key in freqs
	prn      string  // as-needed reason
	kg       float64 // children: dose per kg (at most dose)
	rate     float64 // infusions: starting rate
	lo, hi   float64 // infusions: titration range (0, 0: fixed)
	rateUnit string
	rateKg   bool   // rate is per kg of body weight (rate in rateUnit per kg)
	group    string // at most one order per group (one anticoagulant, ...)
	hold     string // usual reason a dose is held
	note     string // instructions added to the dosage text
}

func rx(code, display string) concept { return concept{sysRxNorm, code, display} }

// ucum maps the units shown to UCUM codes.
var ucum = map[string]string{
	"mg": "mg", "mcg": "ug", "g": "g", "units": "[iU]", "mL": "mL", "mEq": "meq", "tablet": "{tbl}",
	"patch": "{patch}", "drops": "{drop}", "mcg/min": "ug/min", "mcg/kg/min": "ug/kg/min", "mcg/h": "ug/h",
	"mcg/kg/h": "ug/kg/h", "units/h": "[iU]/h", "units/min": "[iU]/min", "mg/h": "mg/h", "g/h": "g/h",
	"mL/h": "mL/h", "milliunits/min": "m[iU]/min",
}

// routes maps route text to SNOMED CT.
var routes = map[string]concept{
	"oral":         sct("26643006", "Oral route"),
	"IV":           sct("47625008", "Intravenous route"),
	"subcutaneous": sct("34206005", "Subcutaneous route"),
	"IM":           sct("78421000", "Intramuscular route"),
	"nebulized":    sct("447694001", "Respiratory tract route"),
	"inhaled":      sct("447694001", "Respiratory tract route"),
	"transdermal":  sct("45890007", "Transdermal route"),
	"sublingual":   sct("37839007", "Sublingual route"),
	"nasal":        sct("46713006", "Nasal route"),
}

// freq is a dosing frequency.
type freq struct {
	text  string        // as written on the order
	gts   string        // HL7 GTS abbreviation, when there is one
	times []string      // administration times of day, "HH:MM"
	every time.Duration // interval, for doses not at set times
	prn   bool
}

var freqs = map[string]freq{
	"daily":    {text: "daily", gts: "QD", times: []string{"09:00"}},
	"daily-am": {text: "daily before breakfast", times: []string{"06:00"}},
	"daily-pm": {text: "daily at 17:00", times: []string{"17:00"}},
	"qHS":      {text: "at bedtime", times: []string{"21:00"}},
	"BID":      {text: "BID", gts: "BID", times: []string{"09:00", "21:00"}},
	"BID-day":  {text: "BID", gts: "BID", times: []string{"09:00", "17:00"}},
	"TID":      {text: "TID", gts: "TID", times: []string{"09:00", "13:00", "17:00"}},
	"AC":       {text: "with meals", times: []string{"07:30", "11:30", "16:30"}},
	"q12h":     {text: "every 12 h", times: []string{"06:00", "18:00"}},
	"q8h":      {text: "every 8 h", times: []string{"06:00", "14:00", "22:00"}},
	"q6h":      {text: "every 6 h", gts: "Q6H", every: 6 * time.Hour},
	"q8h-a":    {text: "every 8 h", every: 8 * time.Hour},
	"q12h-a":   {text: "every 12 h", every: 12 * time.Hour},
	"q24h-a":   {text: "every 24 h", every: 24 * time.Hour},
	"q4h":      {text: "every 4 h", gts: "Q4H", every: 4 * time.Hour},
	"q1h-prn":  {text: "every 1 h as needed", every: time.Hour, prn: true},
	"q3h-prn":  {text: "every 3 h as needed", every: 3 * time.Hour, prn: true},
	"q4h-prn":  {text: "every 4 h as needed", every: 4 * time.Hour, prn: true},
	"q6h-prn":  {text: "every 6 h as needed", every: 6 * time.Hour, prn: true},
	"q5m-prn":  {text: "every 5 min as needed, up to 3 doses", every: 5 * time.Minute, prn: true},
	"qd-prn":   {text: "daily as needed", every: 24 * time.Hour, prn: true},
	"cont":     {text: "continuous"},
}

// meds is the formulary, by key.
var meds = map[string]*medDef{
	// Symptom relief and routine orders.
	"apap-prn":       {name: "Acetaminophen oral tablet", rx: rx("161", "acetaminophen"), dose: 650, unit: "mg", kg: 15, route: "oral", freq: "q6h-prn", prn: "mild pain or fever", group: "apap"},
	"apap":           {name: "Acetaminophen oral tablet", rx: rx("161", "acetaminophen"), dose: 1000, unit: "mg", kg: 15, route: "oral", freq: "q8h", group: "apap"},
	"ibuprofen-prn":  {name: "Ibuprofen oral suspension", rx: rx("5640", "ibuprofen"), dose: 400, unit: "mg", kg: 10, route: "oral", freq: "q6h-prn", prn: "fever or pain", group: "nsaid"},
	"ondansetron":    {name: "Ondansetron injection", rx: rx("26225", "ondansetron"), dose: 4, unit: "mg", kg: 0.15, route: "IV", freq: "q6h-prn", prn: "nausea or vomiting", group: "antiemetic"},
	"prochlorper":    {name: "Prochlorperazine injection", rx: rx("8704", "prochlorperazine"), dose: 10, unit: "mg", route: "IV", freq: "q6h-prn", prn: "nausea not relieved by ondansetron"},
	"docusate":       {name: "Docusate sodium oral capsule", rx: rx("3355", "docusate"), dose: 100, unit: "mg", route: "oral", freq: "BID", hold: "Held - loose stools"},
	"senna":          {name: "Sennosides oral tablet", dose: 17.2, unit: "mg", route: "oral", freq: "qHS", hold: "Held - loose stools"},
	"peg-prn":        {name: "Polyethylene glycol 3350 oral powder", dose: 17, unit: "g", route: "oral", freq: "qd-prn", prn: "constipation"},
	"melatonin-prn":  {name: "Melatonin oral tablet", dose: 3, unit: "mg", route: "oral", freq: "qd-prn", prn: "insomnia"},
	"nacl-nasal":     {name: "Sodium chloride 0.65% nasal drops", dose: 2, unit: "drops", route: "nasal", freq: "q4h-prn", prn: "nasal congestion, before feeds"},
	"oxycodone-prn":  {name: "Oxycodone oral tablet", rx: rx("7804", "oxycodone"), dose: 5, unit: "mg", route: "oral", freq: "q4h-prn", prn: "moderate pain (4-6)"},
	"hydromorph-prn": {name: "Hydromorphone injection", rx: rx("3423", "hydromorphone"), dose: 0.5, unit: "mg", route: "IV", freq: "q3h-prn", prn: "severe pain (7-10)"},
	"morphine-prn":   {name: "Morphine injection", rx: rx("7052", "morphine"), dose: 2, unit: "mg", kg: 0.05, route: "IV", freq: "q4h-prn", prn: "severe pain (7-10)"},
	"lorazepam-prn":  {name: "Lorazepam injection", rx: rx("6470", "lorazepam"), dose: 1, unit: "mg", kg: 0.05, route: "IV", freq: "q4h-prn", prn: "CIWA-Ar score 10 or more, or seizure"},
	"lorazepam-anx":  {name: "Lorazepam injection", rx: rx("6470", "lorazepam"), dose: 0.5, unit: "mg", route: "IV", freq: "q4h-prn", prn: "anxiety or nausea not relieved by ondansetron"},
	"lorazepam-sz":   {name: "Lorazepam injection", rx: rx("6470", "lorazepam"), dose: 2, unit: "mg", kg: 0.1, route: "IV", freq: "q4h-prn", prn: "seizure lasting 5 minutes or more"},
	"nicotine":       {name: "Nicotine 21 mg/24 h transdermal patch", rx: rx("7407", "nicotine"), dose: 1, unit: "patch", route: "transdermal", freq: "daily"},
	"albuterol-prn":  {name: "Albuterol 2.5 mg/3 mL nebulizer solution", rx: rx("435", "albuterol"), dose: 2.5, unit: "mg", route: "nebulized", freq: "q4h-prn", prn: "wheezing or shortness of breath", group: "albuterol"},
	"nitro-prn":      {name: "Nitroglycerin 0.4 mg sublingual tablet", rx: rx("4917", "nitroglycerin"), dose: 0.4, unit: "mg", route: "sublingual", freq: "q5m-prn", prn: "chest pain"},
	"hydralazine":    {name: "Hydralazine injection", rx: rx("5470", "hydralazine"), dose: 10, unit: "mg", route: "IV", freq: "q6h-prn", prn: "SBP over 170 mmHg"},
	"labetalol-prn":  {name: "Labetalol injection", rx: rx("6185", "labetalol"), dose: 20, unit: "mg", route: "IV", freq: "q1h-prn", prn: "SBP 160 or more, or DBP 110 or more"},
	"heparin-sc":     {name: "Heparin 5,000 units/mL injection", rx: rx("5224", "heparin"), dose: 5000, unit: "units", route: "subcutaneous", freq: "q8h", group: "anticoag"},
	"enox-ppx":       {name: "Enoxaparin injection", rx: rx("67108", "enoxaparin"), dose: 40, unit: "mg", route: "subcutaneous", freq: "daily", group: "anticoag", hold: "Held - platelets below 50"},
	// Chronic medications resumed on admission.
	"amlodipine":   {name: "Amlodipine oral tablet", rx: rx("17767", "amlodipine"), dose: 5, unit: "mg", route: "oral", freq: "daily", hold: "Held - SBP below 100"},
	"lisinopril":   {name: "Lisinopril oral tablet", rx: rx("29046", "lisinopril"), dose: 10, unit: "mg", route: "oral", freq: "daily", hold: "Held - SBP below 100"},
	"metoprolol":   {name: "Metoprolol tartrate oral tablet", rx: rx("6918", "metoprolol"), dose: 25, unit: "mg", route: "oral", freq: "BID", group: "bb", hold: "Held - HR below 55"},
	"carvedilol":   {name: "Carvedilol oral tablet", rx: rx("20352", "carvedilol"), dose: 6.25, unit: "mg", route: "oral", freq: "BID-day", group: "bb", hold: "Held - SBP below 90"},
	"atorvastatin": {name: "Atorvastatin oral tablet", rx: rx("83367", "atorvastatin"), dose: 40, unit: "mg", route: "oral", freq: "qHS", group: "statin"},
	"atorva80":     {name: "Atorvastatin oral tablet", rx: rx("83367", "atorvastatin"), dose: 80, unit: "mg", route: "oral", freq: "qHS", group: "statin"},
	"aspirin":      {name: "Aspirin 81 mg chewable tablet", rx: rx("1191", "aspirin"), dose: 81, unit: "mg", route: "oral", freq: "daily", group: "aspirin"},
	"apixaban":     {name: "Apixaban oral tablet", rx: rx("1364430", "apixaban"), dose: 5, unit: "mg", route: "oral", freq: "BID", group: "anticoag"},
	"warfarin":     {name: "Warfarin oral tablet", rx: rx("11289", "warfarin"), dose: 5, unit: "mg", route: "oral", freq: "daily-pm", group: "anticoag", hold: "Held - INR above 3"},
	"furosemide":   {name: "Furosemide oral tablet", rx: rx("4603", "furosemide"), dose: 40, unit: "mg", route: "oral", freq: "daily", group: "loop", hold: "Held - SBP below 90"},
	"spironolact":  {name: "Spironolactone oral tablet", rx: rx("9997", "spironolactone"), dose: 25, unit: "mg", route: "oral", freq: "daily", hold: "Held - potassium above 5.0"},
	"levothyrox":   {name: "Levothyroxine oral tablet", rx: rx("10582", "levothyroxine"), dose: 75, unit: "mcg", route: "oral", freq: "daily-am"},
	"pantoprazole": {name: "Pantoprazole delayed-release oral tablet", rx: rx("40790", "pantoprazole"), dose: 40, unit: "mg", route: "oral", freq: "daily-am", group: "ppi"},
	"sertraline":   {name: "Sertraline oral tablet", rx: rx("36437", "sertraline"), dose: 50, unit: "mg", route: "oral", freq: "daily"},
	"donepezil":    {name: "Donepezil oral tablet", rx: rx("135447", "donepezil"), dose: 10, unit: "mg", route: "oral", freq: "qHS"},
	"lactulose":    {name: "Lactulose 10 g/15 mL oral solution", rx: rx("6218", "lactulose"), dose: 20, unit: "g", route: "oral", freq: "TID", hold: "Held - 4 loose stools today"},
	"rifaximin":    {name: "Rifaximin oral tablet", rx: rx("35619", "rifaximin"), dose: 550, unit: "mg", route: "oral", freq: "BID"},
	"allopurinol":  {name: "Allopurinol oral tablet", rx: rx("519", "allopurinol"), dose: 300, unit: "mg", route: "oral", freq: "daily"},
	"tamsulosin":   {name: "Tamsulosin oral capsule", rx: rx("77492", "tamsulosin"), dose: 0.4, unit: "mg", route: "oral", freq: "qHS", hold: "Held - orthostatic"},
	"thiamine":     {name: "Thiamine injection", rx: rx("10454", "thiamine"), dose: 100, unit: "mg", route: "IV", freq: "daily"},
	"folic":        {name: "Folic acid oral tablet", rx: rx("4511", "folic acid"), dose: 1, unit: "mg", route: "oral", freq: "daily"},
	"kcl":          {name: "Potassium chloride extended-release oral tablet", rx: rx("8591", "potassium chloride"), dose: 20, unit: "mEq", route: "oral", freq: "BID", hold: "Held - potassium 5.1"},
	"tiotropium":   {name: "Tiotropium 18 mcg inhalation capsule", dose: 18, unit: "mcg", route: "inhaled", freq: "daily"},
	"glargine":     {name: "Insulin glargine 100 units/mL injection", rx: rx("274783", "insulin glargine"), dose: 20, unit: "units", kg: 0.3, route: "subcutaneous", freq: "qHS", hold: "Held - blood glucose below 100"},
	"lispro":       {name: "Insulin lispro 100 units/mL injection (with meals)", rx: rx("86009", "insulin lispro"), dose: 4, unit: "units", kg: 0.05, route: "subcutaneous", freq: "AC", group: "prandial", hold: "Held - patient not eating"},
	"pnv":          {name: "Prenatal multivitamin oral tablet", dose: 1, unit: "tablet", route: "oral", freq: "daily"},
	// Acute care.
	"norepi":        {name: "Norepinephrine 4 mg/250 mL in NS infusion", rx: rx("7512", "norepinephrine"), route: "IV", freq: "cont", rate: 8, lo: 2, hi: 20, rateUnit: "mcg/min", note: "Titrate to MAP 65 mmHg or more"},
	"vasopressin":   {name: "Vasopressin 20 units/100 mL infusion", rx: rx("11149", "vasopressin"), route: "IV", freq: "cont", rate: 0.03, rateUnit: "units/min", note: "Fixed rate; do not titrate"},
	"propofol":      {name: "Propofol 10 mg/mL infusion", rx: rx("8782", "propofol"), route: "IV", freq: "cont", rate: 30, lo: 5, hi: 50, rateUnit: "mcg/kg/min", note: "Titrate to RASS -1 to 0"},
	"fentanyl":      {name: "Fentanyl 2,500 mcg/250 mL infusion", rx: rx("4337", "fentanyl"), route: "IV", freq: "cont", rate: 50, lo: 25, hi: 150, rateUnit: "mcg/h", note: "Titrate to CPOT below 3"},
	"dexmed":        {name: "Dexmedetomidine 400 mcg/100 mL infusion", rx: rx("48937", "dexmedetomidine"), route: "IV", freq: "cont", rate: 0.4, lo: 0.2, hi: 1.2, rateUnit: "mcg/kg/h", note: "Titrate to RASS 0 to -1"},
	"insulin-drip":  {name: "Insulin regular 100 units/100 mL in NS infusion", rx: rx("253182", "insulin regular, human"), route: "IV", freq: "cont", rate: 6, lo: 1, hi: 12, rateUnit: "units/h", kg: 0.1, group: "prandial", note: "Per DKA protocol; hourly glucose checks"},
	"heparin-drip":  {name: "Heparin 25,000 units/250 mL in D5W infusion", rx: rx("5224", "heparin"), route: "IV", freq: "cont", rate: 18, rateUnit: "units/h", rateKg: true, group: "anticoag", note: "Weight-based nomogram; anti-Xa 6 h after each change"},
	"ppi-drip":      {name: "Pantoprazole 80 mg/100 mL infusion", rx: rx("40790", "pantoprazole"), route: "IV", freq: "cont", rate: 8, rateUnit: "mg/h", group: "ppi"},
	"ppi-iv":        {name: "Pantoprazole injection", rx: rx("40790", "pantoprazole"), dose: 40, unit: "mg", route: "IV", freq: "q12h", group: "ppi"},
	"octreotide":    {name: "Octreotide 500 mcg/250 mL infusion", rx: rx("7617", "octreotide"), route: "IV", freq: "cont", rate: 50, rateUnit: "mcg/h"},
	"ns":            {name: "Sodium chloride 0.9% infusion", rx: rx("9863", "sodium chloride"), route: "IV", freq: "cont", rate: 100, lo: 75, hi: 150, rateUnit: "mL/h", group: "fluids"},
	"lr":            {name: "Lactated Ringer's infusion", route: "IV", freq: "cont", rate: 125, lo: 100, hi: 150, rateUnit: "mL/h", group: "fluids"},
	"d5-peds":       {name: "Dextrose 5% and sodium chloride 0.45% with potassium chloride 20 mEq/L infusion", route: "IV", freq: "cont", rateUnit: "mL/h", group: "fluids", note: "Maintenance rate (4-2-1 rule)"},
	"furosemide-iv": {name: "Furosemide injection", rx: rx("4603", "furosemide"), dose: 40, unit: "mg", route: "IV", freq: "BID-day", group: "loop", hold: "Held - SBP below 90"},
	"furo-drip":     {name: "Furosemide 100 mg/100 mL infusion", rx: rx("4603", "furosemide"), route: "IV", freq: "cont", rate: 10, lo: 5, hi: 20, rateUnit: "mg/h", group: "loop"},
	"dilt-drip":     {name: "Diltiazem 125 mg/125 mL infusion", rx: rx("3443", "diltiazem"), route: "IV", freq: "cont", rate: 10, lo: 5, hi: 15, rateUnit: "mg/h", group: "bb", note: "Titrate to HR below 110"},
	"nitro-drip":    {name: "Nitroglycerin 50 mg/250 mL in D5W infusion", rx: rx("4917", "nitroglycerin"), route: "IV", freq: "cont", rate: 20, lo: 5, hi: 100, rateUnit: "mcg/min", note: "Titrate to SBP below 160"},
	"mag-drip":      {name: "Magnesium sulfate 40 g/1,000 mL infusion", rx: rx("6585", "magnesium sulfate"), route: "IV", freq: "cont", rate: 2, rateUnit: "g/h", note: "Seizure prophylaxis; reflexes and respirations hourly"},
	"oxytocin":      {name: "Oxytocin 30 units/500 mL infusion", rx: rx("7824", "oxytocin"), route: "IV", freq: "cont", rate: 2, lo: 1, hi: 20, rateUnit: "milliunits/min", note: "Increase by 2 milliunits/min every 30 min per protocol"},
	"vanc":          {name: "Vancomycin injection", rx: rx("11124", "vancomycin"), dose: 1250, unit: "mg", kg: 15, route: "IV", freq: "q12h-a", note: "Pharmacy to dose by AUC"},
	"piptazo":       {name: "Piperacillin-tazobactam injection", dose: 4.5, unit: "g", route: "IV", freq: "q6h"},
	"cefepime":      {name: "Cefepime injection", rx: rx("20481", "cefepime"), dose: 2, unit: "g", route: "IV", freq: "q8h-a"},
	"meropenem":     {name: "Meropenem injection", rx: rx("29561", "meropenem"), dose: 1, unit: "g", route: "IV", freq: "q8h-a"},
	"ceftriaxone":   {name: "Ceftriaxone injection", rx: rx("2193", "ceftriaxone"), dose: 1, unit: "g", route: "IV", freq: "q24h-a"},
	"ceftriax-peds": {name: "Ceftriaxone injection", rx: rx("2193", "ceftriaxone"), dose: 2000, unit: "mg", kg: 50, route: "IV", freq: "q24h-a"},
	"azithro":       {name: "Azithromycin oral tablet", rx: rx("18631", "azithromycin"), dose: 500, unit: "mg", kg: 10, route: "oral", freq: "daily"},
	"cefazolin":     {name: "Cefazolin injection", rx: rx("2180", "cefazolin"), dose: 2, unit: "g", route: "IV", freq: "q8h-a"},
	"metronidazole": {name: "Metronidazole injection", rx: rx("6922", "metronidazole"), dose: 500, unit: "mg", kg: 10, route: "IV", freq: "q8h-a"},
	"ampicillin":    {name: "Ampicillin injection", rx: rx("733", "ampicillin"), dose: 2000, unit: "mg", kg: 50, route: "IV", freq: "q6h"},
	"acyclovir":     {name: "Acyclovir oral tablet", rx: rx("281", "acyclovir"), dose: 400, unit: "mg", route: "oral", freq: "BID"},
	"fluconazole":   {name: "Fluconazole oral tablet", rx: rx("4450", "fluconazole"), dose: 400, unit: "mg", route: "oral", freq: "daily"},
	"filgrastim":    {name: "Filgrastim injection", rx: rx("68442", "filgrastim"), dose: 480, unit: "mcg", route: "subcutaneous", freq: "daily-pm"},
	"dexameth":      {name: "Dexamethasone injection", rx: rx("3264", "dexamethasone"), dose: 4, unit: "mg", route: "IV", freq: "q6h"},
	"dexa-peds":     {name: "Dexamethasone oral solution", rx: rx("3264", "dexamethasone"), dose: 16, unit: "mg", kg: 0.6, route: "oral", freq: "daily"},
	"methylpred":    {name: "Methylprednisolone sodium succinate injection", rx: rx("6902", "methylprednisolone"), dose: 40, unit: "mg", route: "IV", freq: "q12h"},
	"prednisone":    {name: "Prednisone oral tablet", rx: rx("8640", "prednisone"), dose: 40, unit: "mg", route: "oral", freq: "daily"},
	"prednisolone":  {name: "Prednisolone 15 mg/5 mL oral solution", rx: rx("8638", "prednisolone"), dose: 60, unit: "mg", kg: 1, route: "oral", freq: "daily"},
	"duoneb":        {name: "Ipratropium-albuterol 0.5 mg-2.5 mg/3 mL nebulizer solution", dose: 3, unit: "mL", route: "nebulized", freq: "q6h"},
	"albuterol-q4":  {name: "Albuterol 2.5 mg/3 mL nebulizer solution", rx: rx("435", "albuterol"), dose: 2.5, unit: "mg", route: "nebulized", freq: "q4h", group: "albuterol"},
	"clopidogrel":   {name: "Clopidogrel oral tablet", rx: rx("32968", "clopidogrel"), dose: 75, unit: "mg", route: "oral", freq: "daily", group: "p2y12"},
	"ticagrelor":    {name: "Ticagrelor oral tablet", rx: rx("1116632", "ticagrelor"), dose: 90, unit: "mg", route: "oral", freq: "BID", group: "p2y12"},
	"labetalol":     {name: "Labetalol oral tablet", rx: rx("6185", "labetalol"), dose: 200, unit: "mg", route: "oral", freq: "BID", group: "bb", hold: "Held - SBP below 110"},
	"nifedipine":    {name: "Nifedipine extended-release oral tablet", rx: rx("7417", "nifedipine"), dose: 30, unit: "mg", route: "oral", freq: "daily"},
	"nifed-toco":    {name: "Nifedipine oral capsule", rx: rx("7417", "nifedipine"), dose: 20, unit: "mg", route: "oral", freq: "q6h", hold: "Held - SBP below 90"},
	"ibuprofen":     {name: "Ibuprofen oral tablet", rx: rx("5640", "ibuprofen"), dose: 600, unit: "mg", route: "oral", freq: "q6h", group: "nsaid"},
	"ketorolac":     {name: "Ketorolac injection", rx: rx("35827", "ketorolac"), dose: 15, unit: "mg", kg: 0.5, route: "IV", freq: "q6h", group: "nsaid"},
	"betameth":      {name: "Betamethasone sodium phosphate and acetate injection", rx: rx("1514", "betamethasone"), dose: 12, unit: "mg", route: "IM", freq: "daily", note: "Two doses, 24 h apart"},
	"levetiracet":   {name: "Levetiracetam oral solution", rx: rx("114477", "levetiracetam"), dose: 500, unit: "mg", kg: 20, route: "oral", freq: "BID"},
	"enox-tx":       {name: "Enoxaparin injection", rx: rx("67108", "enoxaparin"), dose: 80, unit: "mg", route: "subcutaneous", freq: "q12h", group: "anticoag"},
	"lokelma":       {name: "Sodium zirconium cyclosilicate 10 g oral packet", dose: 10, unit: "g", route: "oral", freq: "TID"},
	"methylergo":    {name: "Methylergonovine oral tablet", dose: 0.2, unit: "mg", route: "oral", freq: "q6h", hold: "Held - BP 150/100"},
	"ferrous":       {name: "Ferrous sulfate 325 mg oral tablet", dose: 325, unit: "mg", route: "oral", freq: "daily"},
}
