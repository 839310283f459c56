package simulate

// scenario is a reason for admission on a kind of unit: the diagnosis, the
// orders it brings, and how it shows in vital signs and labs.
type scenario struct {
	w       int     // relative frequency on its units
	reason  string  // admission reason as shown
	dx      concept // admitting diagnosis
	extra   []concept
	oneOf   []concept  // one of these is also on the problem list
	chronic []string   // comorbidities it favours
	meds    []string   // orders, most important first
	vitals  string     // vital signs at presentation, e.g. "t=38.9 hr=118"
	labs    string     // labs at presentation, e.g. "wbc=17 lactate=3.9"
	crit    []string   // critical results it may produce (keys of crits)
	tests   string     // lab panels beyond the unit's usual ones
	age     [2]float64 // age range in years ([0,0]: the unit's)
	sex     byte       // 'F' or 'M' if one sex only
	stay    [2]float64 // hours since arrival ([0,0]: the unit's)
	spec    string     // attending specialty, if not the unit's
	via     string     // "ed", "icu", "or", "direct" ("": the unit's usual mix)
	npo     bool       // nothing by mouth: oral doses may be held
	hpi     string     // history: what the patient presented with
	plan    string     // assessment and plan

	peak map[string]shift // parsed vitals and labs
}

var scenarios = map[unitKind][]*scenario{
	kICU: {
		{w: 5, reason: "Septic shock due to pneumonia", dx: sct("76571007", "Septic shock"),
			extra: []concept{sct("385093006", "Community acquired pneumonia"), sct("14669001", "Acute kidney injury")}, chronic: []string{"dm2", "copd", "ckd", "htn"},
			meds:   []string{"norepi", "vanc", "piptazo", "lr", "ppi-iv", "heparin-sc", "apap-prn"},
			vitals: "t=39.1 hr=124 sbp=82 dbp=46 rr=28 spo2=89", labs: "wbc=21.5 lactate=4.4 cr=2.4 bun=44 co2=17 plt=118", crit: []string{"lactate-high", "k-high"},
			hpi:  "three days of fever, productive cough and new confusion; hypotensive to the 70s systolic despite 30 mL/kg of crystalloid",
			plan: "Septic shock from pneumonia. Norepinephrine to MAP of 65 or more, broad-spectrum antibiotics, trend lactate, follow blood and sputum cultures."},
		{w: 3, reason: "Acute hypoxemic respiratory failure", dx: sct("65710008", "Acute respiratory failure"),
			extra: []concept{sct("67782005", "Acute respiratory distress syndrome")}, chronic: []string{"obesity", "copd", "htn"},
			meds: []string{"propofol", "fentanyl", "vanc", "cefepime", "ppi-iv", "heparin-sc", "docusate"}, npo: true,
			vitals: "t=38.4 hr=112 sbp=104 dbp=58 rr=26 spo2=87", labs: "wbc=15.2 lactate=2.4 co2=31 k=3.3", crit: []string{"k-low", "na-low"},
			hpi:  "progressive dyspnea and hypoxemia requiring intubation in the emergency department",
			plan: "ARDS, P/F ratio 140. Lung-protective ventilation at 6 mL/kg, propofol and fentanyl for sedation, daily awakening and breathing trials."},
		{w: 3, reason: "Diabetic ketoacidosis", dx: sct("420422005", "Diabetic ketoacidosis"), chronic: []string{"dm1"}, age: [2]float64{18, 45},
			meds: []string{"insulin-drip", "lr", "kcl", "ondansetron", "heparin-sc", "glargine"}, tests: "poc",
			vitals: "hr=118 rr=28 sbp=104 dbp=62 t=37.2", labs: "glu=540 co2=9 k=5.7 na=129 bun=32 cr=1.6 wbc=14.2", crit: []string{"glu-high", "k-high"},
			hpi:  "two days of polyuria, vomiting and abdominal pain after running out of insulin",
			plan: "DKA with anion gap of 28. Insulin infusion per protocol, IV fluids, potassium replacement, basal-bolus insulin once the gap closes."},
		{w: 3, reason: "Upper GI bleed", dx: sct("37372002", "Upper gastrointestinal hemorrhage"), extra: []concept{icd("D62", "Acute posthemorrhagic anemia")},
			chronic: []string{"cirrhosis", "aud", "afib"}, meds: []string{"ppi-drip", "octreotide", "ceftriaxone", "ns", "ondansetron", "thiamine"}, npo: true, tests: "inr",
			vitals: "hr=118 sbp=92 dbp=52", labs: "hgb=7.2 bun=52 plt=96 inr=1.7", crit: []string{"hgb-low", "inr-high"},
			hpi:  "hematemesis and melena since this morning with lightheadedness on standing",
			plan: "Suspected variceal bleed. Two large-bore IVs, transfuse for hemoglobin below 7, octreotide and pantoprazole infusions, ceftriaxone prophylaxis, EGD today."},
		{w: 2, reason: "Severe alcohol withdrawal", dx: icd("F10.231", "Alcohol dependence with withdrawal delirium"), chronic: []string{"aud", "tobacco", "htn"},
			age: [2]float64{28, 68}, meds: []string{"dexmed", "lorazepam-prn", "thiamine", "folic", "heparin-sc"},
			vitals: "hr=126 sbp=170 dbp=98 t=38.0 rr=22", labs: "k=3.1 mg=1.3 plt=96 ast=182 alt=88", crit: []string{"k-low", "na-low"},
			hpi:  "tremor, diaphoresis and visual hallucinations 48 hours after the last drink",
			plan: "Alcohol withdrawal delirium. Symptom-triggered lorazepam, dexmedetomidine infusion, thiamine before glucose, replace potassium and magnesium."},
		{w: 2, reason: "Acute pulmonary embolism", dx: sct("59282003", "Pulmonary embolism"), extra: []concept{sct("128053003", "Deep venous thrombosis")},
			chronic: []string{"obesity", "htn"}, meds: []string{"heparin-drip", "apap-prn", "oxycodone-prn", "ondansetron"}, tests: "trop bnp",
			vitals: "pain=5 hr=118 spo2=89 rr=26 sbp=98 dbp=60", labs: "trop=0.21 bnp=640", crit: []string{"k-low"},
			hpi:  "sudden pleuritic chest pain and dyspnea two weeks after knee surgery",
			plan: "Submassive PE with right ventricular strain. Heparin infusion per nomogram, echocardiogram, watch for decompensation."},
	},
	kStepDown: {
		{w: 3, reason: "COPD exacerbation", dx: sct("195951007", "Acute exacerbation of chronic obstructive airways disease"), chronic: []string{"copd", "tobacco", "htn", "chf"},
			meds:   []string{"methylpred", "duoneb", "azithro", "albuterol-prn", "heparin-sc"},
			vitals: "rr=26 spo2=86 hr=106", labs: "co2=34 wbc=12.6", crit: []string{"co2-high", "k-low"},
			hpi:  "four days of worsening dyspnea, wheeze and increased purulent sputum",
			plan: "COPD exacerbation with hypercapnia. BiPAP at night and as needed, systemic steroids, scheduled nebulizers, azithromycin."},
		{w: 3, reason: "Acute on chronic systolic heart failure", dx: icd("I50.23", "Acute on chronic systolic (congestive) heart failure"),
			chronic: []string{"chf", "cad", "htn", "afib", "ckd"}, meds: []string{"furo-drip", "spironolact", "kcl", "heparin-sc"}, tests: "bnp",
			vitals: "spo2=89 rr=24 sbp=148 dbp=88 wt=+4.5", labs: "bnp=1850 na=131 cr=1.6", crit: []string{"na-low", "k-low"},
			hpi:  "three weeks of worsening orthopnea, leg swelling and a 5 kg weight gain",
			plan: "Volume overloaded. Furosemide infusion, strict intake and output, daily weights, goal net negative 1 to 2 L a day."},
		{w: 2, reason: "Sepsis due to pyelonephritis", dx: sct("91302008", "Sepsis"), extra: []concept{sct("45816000", "Pyelonephritis")}, via: "icu",
			meds: []string{"ceftriaxone", "ns", "apap-prn", "ondansetron", "heparin-sc"}, tests: "lactate",
			vitals: "t=38.8 hr=112 sbp=94 dbp=56", labs: "wbc=17.8 lactate=2.9 cr=1.7", crit: []string{"lactate-high"},
			hpi:  "flank pain, fever and rigors for two days, hypotensive on arrival",
			plan: "Sepsis from pyelonephritis. Ceftriaxone pending culture sensitivities, fluids, monitor urine output; step down from the ICU once off pressors."},
		{w: 2, reason: "Diabetic ketoacidosis, resolving", dx: sct("420422005", "Diabetic ketoacidosis"), chronic: []string{"dm1"}, age: [2]float64{18, 50}, via: "icu",
			meds: []string{"glargine", "lispro", "kcl", "ondansetron", "heparin-sc"}, tests: "poc",
			vitals: "hr=104", labs: "glu=310 co2=16 k=3.4", crit: []string{"glu-low", "k-low"},
			hpi:  "polyuria, vomiting and abdominal pain with glucose over 500 after missing insulin doses",
			plan: "DKA. Insulin infusion in the ICU until the anion gap closed, then basal-bolus insulin, diabetes education, endocrinology follow-up."},
		{w: 2, reason: "Acute ischemic stroke", dx: sct("422504002", "Ischemic stroke"), chronic: []string{"htn", "afib", "hld", "dm2"}, npo: true,
			meds:   []string{"aspirin", "atorva80", "heparin-sc", "apap-prn"},
			vitals: "sbp=182 dbp=98", labs: "glu=162",
			hpi:  "sudden right-sided weakness and aphasia, last known well five hours before arrival",
			plan: "Left MCA stroke outside the thrombolysis window. Permissive hypertension below 220/120, aspirin and high-intensity statin, neuro checks every 2 h, swallow screen before oral intake."},
	},
	kCardio: {
		{w: 5, reason: "NSTEMI", dx: sct("401314000", "Acute non-ST segment elevation myocardial infarction"), chronic: []string{"cad", "htn", "hld", "dm2", "tobacco"},
			meds:   []string{"aspirin", "ticagrelor", "atorva80", "metoprolol", "heparin-drip", "nitro-prn"},
			vitals: "pain=5 hr=96 sbp=156 dbp=92", labs: "trop=2.6", crit: []string{"k-low", "k-high"},
			hpi:  "substernal chest pressure radiating to the left arm, intermittent over 12 hours",
			plan: "NSTEMI, TIMI score 4. Dual antiplatelet therapy, heparin infusion, high-intensity statin, beta-blocker, cardiac catheterization tomorrow."},
		{w: 3, reason: "Chest pain, rule out ACS", dx: sct("29857009", "Chest pain"), chronic: []string{"htn", "hld", "gerd"}, stay: [2]float64{3, 30},
			meds: []string{"aspirin", "atorvastatin", "nitro-prn", "heparin-sc", "apap-prn"}, labs: "trop=0.01",
			vitals: "pain=3",
			hpi:    "two hours of atypical chest pain at rest, now resolved",
			plan:   "Low-risk chest pain. Serial troponins and ECGs, stress test in the morning if negative."},
		{w: 3, reason: "Atrial fibrillation with rapid ventricular response", dx: icd("I48.91", "Unspecified atrial fibrillation"), chronic: []string{"htn", "osa", "hypothyroid", "chf"},
			meds: []string{"dilt-drip", "apixaban", "metoprolol", "kcl"}, vitals: "hr=146 sbp=118 dbp=76", labs: "mg=1.6 k=3.4", crit: []string{"k-low"},
			hpi:  "palpitations and dyspnea since last night; found in atrial fibrillation at 150",
			plan: "AF with RVR. Diltiazem infusion, transition to oral rate control, anticoagulation with apixaban (CHA2DS2-VASc 3)."},
		{w: 3, reason: "Heart failure exacerbation", dx: icd("I50.23", "Acute on chronic systolic (congestive) heart failure"), chronic: []string{"chf", "cad", "ckd", "afib"},
			meds: []string{"furosemide-iv", "carvedilol", "lisinopril", "spironolact", "kcl"}, tests: "bnp",
			vitals: "spo2=91 rr=22 sbp=142 wt=+3.5", labs: "bnp=1240 na=133", crit: []string{"na-low", "k-high"},
			hpi:  "dyspnea on exertion, orthopnea and ankle swelling after stopping furosemide",
			plan: "Decompensated HFrEF (EF 25%). IV diuresis, daily weights and electrolytes, resume guideline-directed therapy."},
		{w: 2, reason: "Syncope", dx: sct("271594007", "Syncope"), chronic: []string{"htn", "dm2"}, stay: [2]float64{3, 40},
			meds: []string{"heparin-sc", "apap-prn", "ns"}, vitals: "sbp=108",
			hpi:  "a witnessed brief loss of consciousness while standing in line, no prodrome",
			plan: "Syncope, possibly arrhythmic. Telemetry, echocardiogram, orthostatic vital signs."},
		{w: 2, reason: "Hypertensive emergency", dx: icd("I16.1", "Hypertensive emergency"), chronic: []string{"htn", "ckd"},
			meds: []string{"nitro-drip", "amlodipine", "lisinopril", "hydralazine"}, vitals: "sbp=214 dbp=126", labs: "cr=1.6 trop=0.08",
			hpi:  "severe headache and blurred vision after running out of antihypertensives",
			plan: "Hypertensive emergency. Lower mean arterial pressure by no more than 25% in the first hours, restart oral agents."},
	},
	kMedSurg: {
		{w: 5, reason: "Community-acquired pneumonia", dx: sct("385093006", "Community acquired pneumonia"), chronic: []string{"copd", "dm2", "htn", "chf"},
			meds:   []string{"ceftriaxone", "azithro", "albuterol-prn", "apap-prn", "enox-ppx"},
			vitals: "pain=4 t=38.7 hr=106 rr=22 spo2=91", labs: "wbc=15.8 bun=26",
			hpi:  "four days of fever, productive cough and pleuritic chest pain",
			plan: "CAP, CURB-65 of 2. Ceftriaxone and azithromycin, oxygen to keep saturation of 92% or more, incentive spirometry."},
		{w: 3, reason: "Cellulitis of left lower leg", dx: sct("128045006", "Cellulitis"), chronic: []string{"dm2", "obesity"},
			meds: []string{"cefazolin", "apap-prn", "oxycodone-prn", "enox-ppx"}, vitals: "pain=5 t=38.3 hr=98", labs: "wbc=13.6",
			hpi:  "three days of spreading redness, warmth and pain of the left shin",
			plan: "Non-purulent cellulitis. IV cefazolin, elevate the leg, mark the margins."},
		{w: 3, reason: "Acute pyelonephritis", dx: sct("45816000", "Pyelonephritis"), sex: 'F', age: [2]float64{18, 80},
			meds: []string{"ceftriaxone", "ns", "ondansetron", "apap-prn"}, vitals: "pain=5 t=38.9 hr=104", labs: "wbc=16.4 cr=1.3",
			hpi:  "fever, dysuria and right flank pain with vomiting",
			plan: "Pyelonephritis. Ceftriaxone, IV fluids, narrow when culture results are back."},
		{w: 3, reason: "Left hip fracture, s/p hemiarthroplasty", dx: sct("5913000", "Fracture of neck of femur"), chronic: []string{"oa", "dementia", "htn"},
			age: [2]float64{68, 98}, spec: "Orthopedic Surgery", meds: []string{"apap", "oxycodone-prn", "enox-ppx", "docusate", "senna", "cefazolin"},
			labs: "hgb=9.2", crit: []string{"hgb-low", "na-low"},
			vitals: "pain=7",
			hpi:    "a mechanical fall at home with inability to bear weight; hemiarthroplasty yesterday",
			plan:   "Post-operative day 1. Weight bearing as tolerated, physical therapy, enoxaparin for 4 weeks, delirium precautions."},
		{w: 2, reason: "Small bowel obstruction", dx: sct("81060008", "Intestinal obstruction"), spec: "General Surgery", npo: true,
			meds: []string{"lr", "ondansetron", "hydromorph-prn", "heparin-sc", "ppi-iv"}, labs: "k=3.2 wbc=12.1 cr=1.3", crit: []string{"k-low"},
			vitals: "pain=6",
			hpi:    "crampy abdominal pain, distension and bilious vomiting; prior appendectomy",
			plan:   "Adhesive SBO. Bowel rest, nasogastric decompression, serial abdominal exams, surgery if no improvement in 48 h."},
		{w: 2, reason: "Acute pancreatitis", dx: sct("197456007", "Acute pancreatitis"), chronic: []string{"aud", "hld"}, npo: true,
			meds: []string{"lr", "hydromorph-prn", "ondansetron", "heparin-sc"}, labs: "wbc=14.2 glu=188 ca=7.9",
			vitals: "pain=8",
			hpi:    "severe epigastric pain radiating to the back with vomiting; lipase 2,400",
			plan:   "Acute pancreatitis. Aggressive fluids, pain control, advance diet as tolerated."},
		{w: 2, reason: "Acute kidney injury with hyperkalemia", dx: sct("14669001", "Acute kidney injury"), extra: []concept{sct("14140009", "Hyperkalemia")},
			chronic: []string{"ckd", "dm2", "htn", "chf"}, meds: []string{"ns", "lokelma", "heparin-sc", "apap-prn"},
			labs: "cr=3.6 bun=72 k=6.0 co2=18", crit: []string{"k-high"},
			hpi:  "poor oral intake and diarrhea for a week while taking lisinopril",
			plan: "Prerenal AKI with hyperkalemia. Hold ACE inhibitor, IV fluids, potassium binder, repeat BMP every 6 h."},
		{w: 2, reason: "Acute diverticulitis", dx: icd("K57.32", "Diverticulitis of large intestine without perforation or abscess without bleeding"),
			meds: []string{"ceftriaxone", "metronidazole", "oxycodone-prn", "ondansetron", "heparin-sc"}, vitals: "pain=6 t=38.2", labs: "wbc=14.8",
			hpi:  "left lower quadrant pain and fever; CT shows sigmoid diverticulitis",
			plan: "Uncomplicated diverticulitis. IV antibiotics, clear liquids, colonoscopy in 6 weeks."},
		{w: 2, reason: "Elective right total knee arthroplasty", dx: icd("M17.11", "Unilateral primary osteoarthritis, right knee"), chronic: []string{"oa", "obesity", "htn"},
			age: [2]float64{50, 85}, spec: "Orthopedic Surgery", via: "or", stay: [2]float64{4, 40},
			meds: []string{"apap", "oxycodone-prn", "enox-ppx", "cefazolin", "docusate", "ondansetron"}, labs: "hgb=11.2",
			vitals: "pain=6",
			hpi:    "end-stage osteoarthritis of the right knee; uncomplicated total knee arthroplasty today",
			plan:   "Post-operative. Physical therapy today, multimodal analgesia, VTE prophylaxis, discharge home tomorrow."},
		{w: 2, reason: "Alcohol withdrawal", dx: icd("F10.239", "Alcohol dependence with withdrawal, unspecified"), chronic: []string{"aud", "tobacco", "depression"},
			age: [2]float64{25, 70}, meds: []string{"lorazepam-prn", "thiamine", "folic", "enox-ppx"}, vitals: "hr=108 sbp=152", labs: "mg=1.5 ast=96",
			hpi:  "tremor and anxiety a day after stopping heavy daily drinking",
			plan: "Alcohol withdrawal, CIWA-Ar protocol. Thiamine, folate, electrolyte replacement, social work consult."},
	},
}
