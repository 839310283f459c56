package simulate

import (
	"strconv"
	"strings"
)

var cancers = []concept{
	sct("91861009", "Acute myeloid leukemia"), sct("109969005", "Diffuse large B-cell lymphoma"),
	sct("254837009", "Malignant neoplasm of breast"), sct("93880001", "Primary malignant neoplasm of lung"),
	sct("363406005", "Malignant tumor of colon"), sct("109989006", "Multiple myeloma"),
}

func init() {
	scenarios[kOnc] = []*scenario{
		{w: 5, reason: "Febrile neutropenia", dx: sct("409089005", "Febrile neutropenia"), oneOf: cancers,
			meds:   []string{"cefepime", "filgrastim", "acyclovir", "fluconazole", "apap-prn", "ondansetron"},
			vitals: "t=38.9 hr=114 sbp=102", labs: "wbc=0.8 anc=0.2 plt=42 hgb=8.2", crit: []string{"plt-low", "hgb-low"},
			hpi:  "fever to 38.9 at home ten days after chemotherapy",
			plan: "Febrile neutropenia, MASCC score 18. Cefepime within the hour, neutropenic precautions, filgrastim, daily CBC."},
		{w: 3, reason: "Induction chemotherapy for AML", dx: sct("91861009", "Acute myeloid leukemia"), stay: [2]float64{24, 240},
			meds: []string{"allopurinol", "acyclovir", "fluconazole", "ns", "ondansetron", "prochlorper"},
			labs: "wbc=1.6 anc=0.4 plt=24 hgb=7.9", crit: []string{"plt-low", "k-high"},
			hpi:  "newly diagnosed AML admitted for 7+3 induction",
			plan: "Induction day 4. Tumor lysis monitoring twice daily, transfuse for platelets below 10 or hemoglobin below 7."},
		{w: 3, reason: "Uncontrolled cancer pain", dx: icd("G89.3", "Neoplasm related pain (acute) (chronic)"), oneOf: cancers[2:],
			meds:   []string{"hydromorph-prn", "oxycodone-prn", "dexameth", "senna", "docusate", "ondansetron"},
			vitals: "pain=8 hr=102 sbp=146", labs: "hgb=9.6 alb=2.8",
			hpi:  "escalating back pain from bone metastases despite home oxycodone",
			plan: "Cancer pain crisis. Scheduled plus breakthrough opioids, bowel regimen, radiation oncology consult, goals-of-care discussion."},
		{w: 2, reason: "Hypercalcemia of malignancy", dx: icd("E83.52", "Hypercalcemia"), oneOf: cancers[3:],
			meds: []string{"ns", "apap-prn", "ondansetron", "enox-ppx"}, labs: "ca=13.8 cr=1.7", crit: []string{"ca-high"},
			hpi:  "a week of confusion, constipation and polyuria",
			plan: "Hypercalcemia of malignancy. Saline hydration, zoledronic acid given, calcium every 12 h."},
		{w: 2, reason: "Chemotherapy-induced nausea and dehydration", dx: icd("R11.2", "Nausea with vomiting, unspecified"), extra: []concept{icd("E86.0", "Dehydration")}, oneOf: cancers[1:],
			meds: []string{"ns", "ondansetron", "prochlorper", "lorazepam-anx"}, labs: "na=132 k=3.2 bun=32 cr=1.4", crit: []string{"k-low", "na-low"},
			hpi:  "three days of intractable vomiting after the latest cycle of chemotherapy",
			plan: "CINV with prerenal azotemia. IV fluids, scheduled antiemetics, replace potassium."},
	}
	scenarios[kPeds] = []*scenario{
		{w: 5, reason: "RSV bronchiolitis", dx: sct("4120002", "Bronchiolitis"), age: [2]float64{0.08, 1.8},
			meds: []string{"d5-peds", "apap-prn", "nacl-nasal", "ibuprofen-prn"}, vitals: "rr=+22 spo2=90 hr=+25 t=38.3",
			hpi:  "cough, congestion and poor feeding with increased work of breathing; RSV positive",
			plan: "Bronchiolitis. Supportive care, high-flow nasal cannula, nasal suctioning, maintenance fluids until feeding well."},
		{w: 4, reason: "Asthma exacerbation", dx: icd("J45.41", "Moderate persistent asthma with (acute) exacerbation"), chronic: []string{"asthma", "eczema"}, age: [2]float64{3, 17},
			meds: []string{"albuterol-q4", "prednisolone", "duoneb", "apap-prn"}, vitals: "rr=+14 spo2=91 hr=+30",
			hpi:  "two days of cough and wheeze after a cold, not relieved by home albuterol",
			plan: "Moderate asthma exacerbation. Albuterol every 4 h and space as tolerated, oral steroids for 5 days, asthma action plan."},
		{w: 3, reason: "Gastroenteritis with dehydration", dx: sct("25374005", "Gastroenteritis"), extra: []concept{icd("E86.0", "Dehydration")}, age: [2]float64{0.5, 10},
			meds: []string{"d5-peds", "ondansetron", "apap-prn"}, vitals: "hr=+30", labs: "co2=16 na=133 bun=24",
			hpi:  "vomiting and diarrhea for three days with decreased urine output",
			plan: "Moderate dehydration. IV rehydration, oral challenge, strict intake and output."},
		{w: 3, reason: "Community-acquired pneumonia", dx: sct("385093006", "Community acquired pneumonia"), age: [2]float64{1, 17},
			meds: []string{"ampicillin", "apap-prn", "ibuprofen-prn", "d5-peds"}, vitals: "t=39.0 rr=+12 spo2=92", labs: "wbc=18.4",
			hpi:  "fever and fast breathing for two days; right lower lobe consolidation on chest X-ray",
			plan: "Lobar pneumonia. IV ampicillin, transition to oral amoxicillin when afebrile for 24 h."},
		{w: 2, reason: "New-onset type 1 diabetes with DKA", dx: sct("420422005", "Diabetic ketoacidosis"), extra: []concept{sct("46635009", "Diabetes mellitus type 1")},
			age: [2]float64{6, 17}, via: "transfer", meds: []string{"glargine", "lispro", "d5-peds", "ondansetron"}, tests: "poc",
			labs: "glu=320 co2=17", crit: []string{"glu-high", "glu-low"},
			hpi:  "weight loss, polyuria and polydipsia for a month; DKA treated overnight in the pediatric ICU of the referring hospital",
			plan: "New-onset T1DM. Basal-bolus insulin, diabetes teaching for the family, endocrinology following."},
		{w: 2, reason: "Appendicitis, s/p laparoscopic appendectomy", dx: sct("74400008", "Appendicitis"), age: [2]float64{5, 17}, spec: "General Surgery",
			meds: []string{"ceftriax-peds", "metronidazole", "morphine-prn", "apap", "ondansetron"}, vitals: "pain=5 t=38.1", labs: "wbc=15.6",
			hpi:  "periumbilical pain migrating to the right lower quadrant; perforated appendix at surgery",
			plan: "Perforated appendicitis. IV antibiotics for 4 days, advance diet, ambulate."},
		{w: 2, reason: "Sickle cell pain crisis", dx: icd("D57.00", "Hb-SS disease with crisis, unspecified"), chronic: []string{"sickle"}, age: [2]float64{4, 17},
			meds: []string{"morphine-prn", "ketorolac", "d5-peds", "folic"}, labs: "hgb=6.9", crit: []string{"hgb-low"},
			vitals: "pain=9",
			hpi:    "severe pain of both legs and the lower back for a day, not relieved at home",
			plan:   "Vaso-occlusive crisis. Multimodal analgesia, hydration, incentive spirometry, watch for acute chest syndrome."},
		{w: 1, reason: "Complex febrile seizure", dx: sct("41497008", "Febrile convulsion"), age: [2]float64{0.5, 5},
			meds: []string{"apap-prn", "ibuprofen-prn", "lorazepam-sz", "d5-peds"}, vitals: "t=39.2 hr=+20",
			hpi:  "a 12-minute generalized seizure with fever to 39.4",
			plan: "Complex febrile seizure. Seizure precautions, antipyretics, EEG as outpatient."},
	}
	scenarios[kED] = []*scenario{
		{w: 4, reason: "Chest pain", dx: sct("29857009", "Chest pain"), chronic: []string{"htn", "hld", "cad"}, tests: "trop",
			meds: []string{"aspirin", "nitro-prn", "ondansetron", "apap-prn"}, labs: "trop=0.02",
			vitals: "pain=6",
			hpi:    "pressure-like chest pain that started while shoveling",
			plan:   "Chest pain. Serial troponins, ECG, admission to telemetry requested."},
		{w: 3, reason: "Sepsis, source unclear", dx: sct("91302008", "Sepsis"), tests: "lactate",
			meds: []string{"vanc", "piptazo", "lr", "apap-prn"}, vitals: "t=39.0 hr=118 sbp=96 rr=24", labs: "lactate=3.6 wbc=18.2", crit: []string{"lactate-high"},
			hpi:  "fever, rigors and weakness for a day",
			plan: "Sepsis. Cultures, broad-spectrum antibiotics, 30 mL/kg of crystalloid, ICU consult if lactate does not clear."},
		{w: 3, reason: "Abdominal pain, right lower quadrant", dx: sct("21522001", "Abdominal pain"), npo: true,
			meds: []string{"morphine-prn", "ondansetron", "ns", "apap-prn"}, labs: "wbc=13.1",
			vitals: "pain=7",
			hpi:    "24 hours of abdominal pain, now in the right lower quadrant, with anorexia",
			plan:   "Possible appendicitis. CT abdomen, surgery consult, NPO."},
		{w: 2, reason: "Renal colic", dx: sct("95570007", "Kidney stone"),
			meds: []string{"ketorolac", "morphine-prn", "ondansetron", "tamsulosin", "ns"}, labs: "cr=1.3",
			vitals: "pain=9",
			hpi:    "sudden severe left flank pain radiating to the groin with hematuria",
			plan:   "5 mm left ureteral stone. Analgesia, tamsulosin, strain urine."},
		{w: 2, reason: "Fall with left hip pain", dx: sct("5913000", "Fracture of neck of femur"), age: [2]float64{70, 98}, chronic: []string{"oa", "dementia", "htn"},
			meds: []string{"morphine-prn", "apap", "ondansetron", "ns"}, labs: "hgb=10.8",
			vitals: "pain=8",
			hpi:    "a fall from standing at the nursing home with a shortened, externally rotated left leg",
			plan:   "Left femoral neck fracture. Orthopedics consulted, boarding for 4 West, NPO after midnight."},
		{w: 2, reason: "Shortness of breath", dx: sct("267036007", "Dyspnea"), chronic: []string{"chf", "copd", "afib"}, tests: "bnp trop",
			meds: []string{"furosemide-iv", "albuterol-prn", "nitro-prn", "apap-prn"}, vitals: "spo2=88 rr=26", labs: "bnp=980",
			hpi:  "dyspnea at rest and orthopnea for two days",
			plan: "Likely heart failure exacerbation. IV furosemide, BiPAP as needed, admit to step-down."},
		{w: 2, reason: "Altered mental status", dx: sct("419284004", "Altered mental status"), age: [2]float64{65, 98}, chronic: []string{"dementia", "htn", "ckd"},
			meds: []string{"ns", "ceftriaxone", "apap-prn", "ondansetron"}, labs: "na=124 wbc=12.4", crit: []string{"na-low"},
			hpi:  "two days of increasing confusion reported by family",
			plan: "Delirium, likely from UTI and hyponatremia. Slow sodium correction, antibiotics, admit."},
	}
	scenarios[kMaternity] = []*scenario{
		{w: 5, reason: "Postpartum, spontaneous vaginal delivery", dx: icd("O80", "Encounter for full-term uncomplicated delivery"), extra: []concept{icd("Z37.0", "Single live birth")},
			stay: [2]float64{4, 48}, meds: []string{"ibuprofen", "apap-prn", "docusate", "oxycodone-prn", "pnv"}, labs: "hgb=10.9 wbc=13.2",
			vitals: "pain=3",
			hpi:    "spontaneous labor at 39 weeks with an uncomplicated vaginal delivery",
			plan:   "Routine postpartum care. Breastfeeding support, Rh immune globulin not needed, discharge tomorrow."},
		{w: 4, reason: "Postpartum, cesarean delivery", dx: icd("O82", "Encounter for cesarean delivery without indication"), extra: []concept{icd("Z37.0", "Single live birth")},
			stay: [2]float64{6, 72}, meds: []string{"ketorolac", "apap", "oxycodone-prn", "enox-ppx", "docusate", "ondansetron", "pnv"}, labs: "hgb=9.8",
			vitals: "pain=5",
			hpi:    "repeat cesarean delivery at 39 weeks",
			plan:   "Post-operative day 1. Remove the urinary catheter, ambulate, advance diet, scheduled analgesia."},
		{w: 2, reason: "Preeclampsia with severe features", dx: sct("398254007", "Pre-eclampsia"), tests: "cmp",
			meds: []string{"mag-drip", "labetalol", "nifedipine", "labetalol-prn", "pnv"}, vitals: "sbp=166 dbp=108", labs: "plt=108 ast=86 alt=94", crit: []string{"plt-low"},
			hpi:  "headache and blood pressure of 168/110 at 36 weeks",
			plan: "Preeclampsia with severe features. Magnesium for seizure prophylaxis, antihypertensives, delivery planned."},
		{w: 2, reason: "Preterm labor at 32 weeks", dx: icd("O60.03", "Preterm labor without delivery, third trimester"),
			meds: []string{"nifed-toco", "betameth", "pnv", "apap-prn"},
			hpi:  "regular contractions and cervical change at 32 weeks",
			plan: "Preterm labor. Tocolysis for 48 h, betamethasone course, GBS prophylaxis if labor progresses."},
		{w: 2, reason: "Induction of labor, post-term pregnancy", dx: icd("O48.0", "Post-term pregnancy"),
			stay: [2]float64{2, 24}, meds: []string{"oxytocin", "lr", "pnv", "apap-prn", "ondansetron"},
			hpi:  "induction at 41 weeks and 2 days",
			plan: "Induction of labor. Oxytocin per protocol, continuous fetal monitoring."},
		{w: 1, reason: "Postpartum hemorrhage", dx: icd("O72.1", "Other immediate postpartum hemorrhage"),
			meds: []string{"methylergo", "ibuprofen", "ferrous", "pnv", "apap-prn"}, vitals: "hr=112 sbp=98", labs: "hgb=7.3", crit: []string{"hgb-low"},
			hpi:  "an estimated blood loss of 1,200 mL from uterine atony after vaginal delivery",
			plan: "PPH from atony, controlled. Uterotonics, iron, transfuse if symptomatic."},
		{w: 1, reason: "Gestational diabetes, glucose control", dx: icd("O24.414", "Gestational diabetes mellitus in pregnancy, insulin controlled"), tests: "poc",
			meds: []string{"glargine", "lispro", "pnv", "apap-prn"}, labs: "glu=190",
			hpi:  "fasting glucose above 120 despite diet at 34 weeks",
			plan: "GDM A2. Start basal insulin, glucose checks before meals and at bedtime."},
	}
	for _, list := range scenarios {
		for _, s := range list {
			s.peak = parseShifts(s.vitals + " " + s.labs)
		}
	}
	for _, c := range comorbidities {
		c.shifts = parseShifts(c.base)
	}
}

// unitDefaults are the age range, stay, attending specialty and lab panels
// of each kind of unit.
var unitDefaults = map[unitKind]struct {
	age   [2]float64
	stay  [2]float64
	spec  string
	tests string
}{
	kICU:       {[2]float64{18, 95}, [2]float64{2, 240}, "Critical Care", "cmp lactate mg"},
	kStepDown:  {[2]float64{18, 95}, [2]float64{4, 200}, "Hospital Medicine", "mg"},
	kCardio:    {[2]float64{25, 95}, [2]float64{2, 120}, "Cardiology", "trop mg"},
	kMedSurg:   {[2]float64{18, 98}, [2]float64{2, 200}, "Hospital Medicine", ""},
	kOnc:       {[2]float64{18, 90}, [2]float64{4, 240}, "Hematology/Oncology", "diff cmp"},
	kPeds:      {[2]float64{0.1, 17.9}, [2]float64{2, 96}, "Pediatrics", ""},
	kED:        {[2]float64{18, 95}, [2]float64{0.5, 28}, "Emergency Medicine", ""},
	kMaternity: {[2]float64{18, 43}, [2]float64{2, 72}, "Obstetrics and Gynecology", ""},
}

// shift is a value at presentation: absolute, or relative to baseline.
type shift struct {
	v   float64
	rel bool
}

// parseShifts parses "k=5.6 hr=+20" into shifts.
func parseShifts(s string) map[string]shift {
	m := map[string]shift{}
	for _, f := range strings.Fields(s) {
		k, v, _ := strings.Cut(f, "=")
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			panic("simulate: bad value " + f)
		}
		m[k] = shift{x, v[0] == '+' || v[0] == '-'}
	}
	return m
}

// crits are the critical results a patient may be given: the lab and the
// range of the critical value.
var crits = map[string]struct {
	lab    string
	lo, hi float64
}{
	"k-high": {"k", 6.3, 7.1}, "k-low": {"k", 2.2, 2.7}, "hgb-low": {"hgb", 5.6, 6.8}, "na-low": {"na", 113, 119},
	"glu-high": {"glu", 470, 640}, "glu-low": {"glu", 34, 48}, "plt-low": {"plt", 6, 18}, "lactate-high": {"lactate", 4.3, 7.8},
	"inr-high": {"inr", 5.2, 7.9}, "ca-high": {"ca", 13.2, 14.6}, "co2-high": {"co2", 41, 46},
}

// genericCrits are used for patients whose scenario names none.
var genericCrits = []string{"k-high", "k-low", "hgb-low", "na-low", "glu-high", "plt-low"}
