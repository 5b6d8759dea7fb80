#!/usr/bin/python3
"""Checks that fastai's float32 arithmetic (torch.lerp smoothing, float32 tensors in the
rules) picks the same indices as the float64 reference vectors in tests/fixtures/finder.
Usage (from the repository root): /usr/bin/python3 scripts/check_finder_fastai_float32.py"""
import sys, math, numpy as np, torch
sys.path.insert(0, __import__('os').path.dirname(__import__('os').path.abspath(__file__)))
import gen_finder_fixtures as G
exp={}
for line in open('tests/fixtures/finder/expected.txt'):
    p=line.split()
    if len(p)>=5 and p[1]=='fastai' and p[2]=='rule' and p[3]!='robust' and p[3]!='steepest':
        exp[(p[0],p[3])]=None if p[4]=='invalid' else int(p[4])
diff=0; tot=0
for name,(lrs,raw) in G.curves().items():
    beta=0.98; val=torch.tensor(0.); best=math.inf; losses=[]
    for k,l in enumerate(raw):
        val=torch.lerp(torch.tensor(l,dtype=torch.float32), val, beta)
        s=val/(1-beta**(k+1)); losses.append(s)
        if s < best: best = s
        if s > 4*best: break
    n=len(raw); a=n//10
    X=torch.tensor(lrs[:len(losses)][a:-5]); Y=torch.tensor([float(v) for v in losses][a:-5])
    nan=torch.nonzero(torch.isnan(Y.view(-1)))
    if len(nan)>0: X=X[:nan.min()]; Y=Y[:nan.min()]
    got={}
    if len(Y)>0:
        got['valley']=a+G.valley(X,Y)[0]
        if len(Y)>=16:
            L=Y.numpy(); g=np.gradient(L); r=-1; l=r-15; idx=len(L)+l
            while l>=-len(L) and abs(g[r]-g[l])>.005: idx=len(L)+l; r-=1; l-=1
            got['slide']=a+idx
        got['minimum']=a+int(Y.argmin())
        if len(Y)>=2:
            gr=(Y[1:]-Y[:-1])/(X[1:].log()-X[:-1].log()); got['steep']=a+int(gr.argmin())
    for r in ('valley','slide','minimum','steep'):
        tot+=1
        if got.get(r)!=exp[(name,r)]:
            diff+=1; print("differs:",name,r,"float32",got.get(r),"float64",exp[(name,r)])
print(diff,"of",tot,"fastai picks differ in float32")
